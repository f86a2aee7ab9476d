using Keras.Backend;
using Keras.Callbacks;
using Keras.Data;
using Keras.Engine;
using Keras.Losses;
using Keras.Metrics;
using Keras.Optimizers;
using Keras.Trainers;
using NumSharp;

namespace Keras.Models;

public partial class Model
{
    private Optimizer? _optimizer;
    private CompileState? _compiled;

    /// <summary>Where progress bars and summaries are written (the console by default).</summary>
    public TextWriter ProgressOutput { get; set; } = Console.Out;

    /// <summary>The optimizer given to <see cref="Compile(Optimizer?, Loss?, IEnumerable{Metric}?, IReadOnlyList{double}?)"/>.</summary>
    public Optimizer? Optimizer => _optimizer;

    /// <summary>Whether <see cref="Compile(Optimizer?, Loss?, IEnumerable{Metric}?, IReadOnlyList{double}?)"/> has been called.</summary>
    public bool IsCompiled => _compiled is not null;

    /// <summary>Set by a callback in <c>OnTrainBegin</c> to start the epoch loop later (e.g. when restoring a backup).</summary>
    internal int? ResumeAtEpoch { get; set; }

    /// <summary>Set by a callback to end <c>Fit</c> after the current epoch (Keras's <c>stop_training</c>).</summary>
    public bool StopTraining { get; set; }

    /// <summary>
    /// Configures training (Keras's <c>compile</c>): the optimizer (default <c>rmsprop</c>), one loss
    /// for every output, metrics (e.g. <c>["accuracy"]</c>) and per-output loss weights.
    /// </summary>
    public void Compile(Optimizer? optimizer = null, Loss? loss = null, IEnumerable<Metric>? metrics = null, IReadOnlyList<double>? lossWeights = null) =>
        CompileCore(optimizer, n => Enumerable.Repeat(loss, n).ToArray(), metrics, lossWeights);

    /// <summary>Configures training with one loss per output, in output order.</summary>
    public void Compile(Optimizer optimizer, IReadOnlyList<Loss> losses, IEnumerable<Metric>? metrics = null, IReadOnlyList<double>? lossWeights = null) =>
        CompileCore(optimizer, n => n == losses.Count
            ? losses.ToArray()
            : throw new ArgumentException($"Model \"{Name}\" has {n} output(s) ({string.Join(", ", OutputNames)}) but {losses.Count} losses were given.", nameof(losses)),
            metrics, lossWeights);

    /// <summary>Configures training with losses by output name (outputs without a loss are not trained on).</summary>
    public void Compile(Optimizer optimizer, IReadOnlyDictionary<string, Loss> losses, IEnumerable<Metric>? metrics = null, IReadOnlyDictionary<string, double>? lossWeights = null)
    {
        foreach (var key in losses.Keys.Where(k => !OutputNames.Contains(k)))
            throw new ArgumentException($"Compile: unknown output '{key}'. Outputs of model \"{Name}\": {string.Join(", ", OutputNames)}.", nameof(losses));
        CompileCore(optimizer, _ => OutputNames.Select(n => losses.GetValueOrDefault(n)).ToArray(), metrics,
            lossWeights is null ? null : OutputNames.Select(n => lossWeights.GetValueOrDefault(n, 1.0)).ToArray());
    }

    private void CompileCore(Optimizer? optimizer, Func<int, Loss?[]> losses, IEnumerable<Metric>? metrics, IReadOnlyList<double>? lossWeights)
    {
        _optimizer?.Dispose();
        _compiled?.Dispose();
        _optimizer = optimizer ?? new RMSprop();
        _pendingCompile = (losses, metrics?.ToArray() ?? [], lossWeights);
        _compiled = null;
        if (IsGraphNetwork) ResolveCompile();
        else _compiledPending = true;
    }

    private (Func<int, Loss?[]> Losses, Metric[] Metrics, IReadOnlyList<double>? Weights) _pendingCompile;
    private bool _compiledPending;

    private CompileState ResolveCompile()
    {
        var names = OutputNames;
        var losses = _pendingCompile.Losses(names.Count);
        if (losses.All(l => l is null))
            throw new InvalidOperationException($"Model \"{Name}\" was compiled without a loss; pass loss: to Compile.");
        var weights = _pendingCompile.Weights ?? Enumerable.Repeat(1.0, names.Count).ToArray();
        if (weights.Count != names.Count)
            throw new ArgumentException($"Model \"{Name}\" has {names.Count} output(s) but {weights.Count} loss weights were given.");
        _compiled = new CompileState(losses, weights, _pendingCompile.Metrics, names);
        _compiledPending = false;
        return _compiled;
    }

    private CompileState Compiled(string method)
    {
        if (_compiled is not null) return _compiled;
        if (_compiledPending) return ResolveCompile();
        throw new InvalidOperationException($"You must call Compile() on model \"{Name}\" before {method}().");
    }

    // ------------------------------------------------------------------ data

    private (Tensor[] X, Tensor[]? Y, long N) PrepareData(object x, object? y, string method)
    {
        var xs = DataAdapter.ToTensors(x, "x", Inputs.Select(i => i.Name ?? i.Node!.Layer.Name).ToArray());
        var ys = y is null ? null : DataAdapter.ToTensors(y, "y", OutputNames);
        var n = DataAdapter.SampleCount(xs, ys);
        EnsureBuiltFor(xs);
        if (IsGraphNetwork && xs.Length != Inputs.Count)
            throw new ArgumentException($"{method}: model \"{Name}\" expects {Inputs.Count} input array(s) but received {xs.Length}.", nameof(x));
        return (xs, ys, n);
    }

    private void EnsureBuiltFor(Tensor[] xs)
    {
        if (IsGraphNetwork || Built) return;
        // Deferred build (Sequential without an input shape, subclassed models): one call on one sample.
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        using var inference = CallContext.EnterInference();
        var sample = xs.Select(t => Ops.Slice(t, 0, 0, Math.Min(1, t.Shape[0]))).ToArray();
        Apply(new Tensors(sample), training: false);
    }

    // ------------------------------------------------------------------ fit

    /// <summary>
    /// Trains the model (Keras's <c>fit</c>). <paramref name="x"/> and <paramref name="y"/> are arrays
    /// (NDArray, .NET arrays, tensors), lists of them for several inputs/outputs, or dictionaries by name.
    /// </summary>
    /// <param name="x">Input data.</param>
    /// <param name="y">Targets.</param>
    /// <param name="batchSize">Samples per gradient step (default 32).</param>
    /// <param name="epochs">Number of passes over the data.</param>
    /// <param name="verbose">0 silent, 1 progress bar, 2 one line per epoch.</param>
    /// <param name="callbacks">Callbacks to run.</param>
    /// <param name="validationSplit">Fraction of the data (taken from the end, before shuffling) held out for validation.</param>
    /// <param name="validationData">Explicit validation data <c>(x, y)</c>; overrides the split.</param>
    /// <param name="shuffle">Shuffle the training samples every epoch.</param>
    /// <param name="initialEpoch">Epoch to start at (to resume training).</param>
    /// <param name="sampleWeight">Per-sample loss weights.</param>
    /// <param name="classWeight">Loss weight per class index (single-output models); multiplies <paramref name="sampleWeight"/> if both are given.</param>
    /// <returns>The <see cref="History"/> of per-epoch logs.</returns>
    /// <remarks>One Fit/Evaluate/TrainOnBatch/TestOnBatch runs per model at a time: a second one from another
    /// thread throws <see cref="InvalidOperationException"/>. Predictions from other threads may run meanwhile.</remarks>
    public History Fit(object x, object? y = null, int? batchSize = null, int epochs = 1, int verbose = 1,
        IEnumerable<Callback>? callbacks = null, double validationSplit = 0.0, (object X, object Y)? validationData = null,
        bool shuffle = true, int initialEpoch = 0, object? sampleWeight = null, IReadOnlyDictionary<int, double>? classWeight = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        if (validationSplit is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "validationSplit must be in [0, 1).");
        if (y is null) throw new ArgumentNullException(nameof(y), "Fit needs targets y.");
        var bs = batchSize ?? 32;
        ArgumentOutOfRangeException.ThrowIfLessThan(bs, 1, nameof(batchSize));

        using var session = EnterTrainer(nameof(Fit));
        using var dataScope = Ops.Scope();
        var (xs, ys, n) = PrepareData(x, y, nameof(Fit));
        var compiled = Compiled(nameof(Fit));
        var sw = sampleWeight is null ? null : DataAdapter.ToTensors(sampleWeight, nameof(sampleWeight))[0];
        if (classWeight is not null) sw = ClassWeightsToSampleWeights(classWeight, ys!, sw);

        Tensor[]? xVal = null, yVal = null;
        if (validationData is { } vd)
        {
            (xVal, yVal, _) = PrepareData(vd.X, vd.Y, nameof(Fit));
        }
        else if (validationSplit > 0)
        {
            long split = (long)Math.Floor(n * (1.0 - validationSplit));
            if (split == 0 || split == n)
                throw new ArgumentException($"validationSplit {validationSplit} leaves no training or no validation samples out of {n}.", nameof(validationSplit));
            xVal = xs.Select(t => Ops.Slice(t, 0, split, n - split)).ToArray();
            yVal = ys!.Select(t => Ops.Slice(t, 0, split, n - split)).ToArray();
            xs = xs.Select(t => Ops.Slice(t, 0, 0, split)).ToArray();
            ys = ys!.Select(t => Ops.Slice(t, 0, 0, split)).ToArray();
            if (sw is not null) sw = Ops.Slice(sw, 0, 0, split);
            n = split;
        }

        return RunFit(new ArrayBatches(xs, ys, sw, n, bs, shuffle),
            xVal is null ? null : new ArrayBatches(xVal, yVal, null, xVal[0].Shape[0], bs, shuffle: false),
            epochs, verbose, callbacks, initialEpoch, n);
    }

    /// <summary>
    /// Trains the model on a <see cref="Dataset"/> or generator of batches (Keras's <c>fit</c> on a
    /// data set, and the old <c>fit_generator</c>). Without <paramref name="stepsPerEpoch"/> every epoch
    /// is one full pass; with it, each epoch takes that many batches and the pass continues across
    /// epochs (training stops, with a message, if the data runs out).
    /// </summary>
    public History Fit(Dataset data, int epochs = 1, int verbose = 1, IEnumerable<Callback>? callbacks = null,
        Dataset? validationData = null, int? stepsPerEpoch = null, int? validationSteps = null, int initialEpoch = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        if (stepsPerEpoch is < 1) throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "stepsPerEpoch must be >= 1.");
        using var session = EnterTrainer(nameof(Fit));
        Compiled(nameof(Fit));
        var train = new DatasetBatches(data, stepsPerEpoch);
        return RunFit(train, validationData is null ? null : new DatasetBatches(validationData, validationSteps), epochs, verbose, callbacks, initialEpoch, null);
    }

    /// <summary>Trains on a generator of <c>(x, y)</c> batches (Keras's <c>fit_generator</c>).</summary>
    public History Fit(IEnumerable<(object X, object Y)> batches, int epochs = 1, int verbose = 1, IEnumerable<Callback>? callbacks = null,
        IEnumerable<(object X, object Y)>? validationData = null, int? stepsPerEpoch = null, int? validationSteps = null, int initialEpoch = 0) =>
        Fit(Dataset.FromBatches(batches), epochs, verbose, callbacks,
            validationData is null ? null : Dataset.FromBatches(validationData), stepsPerEpoch, validationSteps, initialEpoch);

    private History RunFit(BatchSource train, BatchSource? validation, int epochs, int verbose, IEnumerable<Callback>? callbacks, int initialEpoch, long? samples)
    {
        var compiled = Compiled(nameof(Fit));
        if (IsGraphNetwork || Built) PrepareTraining();
        bool prepared = IsGraphNetwork || Built;

        var history = new History();
        var list = new List<Callback>();
        if (verbose > 0) list.Add(new ProgbarLogger(ProgressOutput, verbose));
        if (callbacks is not null) list.AddRange(callbacks);
        list.Add(history);
        var cbs = new CallbackList(list);
        int steps = train.Steps ?? (train is DatasetBatches { Cardinality: long c } ? (int)c : 0);
        cbs.Configure(this, new Dictionary<string, int> { ["epochs"] = epochs, ["steps"] = steps, ["verbose"] = verbose });
        bool batchLogs = cbs.NeedsBatchLogs;
        var empty = new Dictionary<string, double>();

        StopTraining = false;
        ResumeAtEpoch = null;
        cbs.Each(c => c.OnTrainBegin(empty));
        if (ResumeAtEpoch is int resume) initialEpoch = Math.Max(initialEpoch, resume);
        IReadOnlyDictionary<string, double> epochLogs = empty;
        for (int epoch = initialEpoch; epoch < epochs && !StopTraining; epoch++)
        {
            compiled.Reset();
            cbs.Each(c => c.OnEpochBegin(epoch, empty));
            using (var batches = train.Epoch(epoch))
            {
                for (int step = 0; !StopTraining; step++)
                {
                    using (var scope = Ops.Scope())
                    {
                        if (!batches.MoveNext()) break;
                        var b = batches.Current;
                        if (b.Y is null) throw new ArgumentException("Fit needs targets: the data gave a batch without y.");
                        cbs.Each(c => c.OnTrainBatchBegin(step, empty));
                        using (WritingWeights())
                        {
                            if (!prepared)
                            {
                                EnsureBuiltFor(b.X);
                                PrepareTraining();
                                prepared = true;
                            }
                            TrainStep(new Tensors(b.X), new Tensors(b.Y), b.SampleWeight);
                        }
                    }
                    ReleaseFreeMemory();
                    if (batchLogs)
                    {
                        var logs = compiled.Results();
                        cbs.Each(c => c.OnTrainBatchEnd(step, logs));
                    }
                }
            }
            if (train.RanOut)
            {
                ProgressOutput.WriteLine(
                    "Your input ran out of data; interrupting training. Make sure that your dataset or generator can generate " +
                    "at least stepsPerEpoch * epochs batches.");
                StopTraining = true;
            }
            var results = compiled.Results();
            if (validation is not null)
            {
                foreach (var (k, v) in RunEvaluation(compiled, validation, "val_")) results[k] = v;
            }
            epochLogs = results;
            ReleaseFreeMemory();
            cbs.Each(c => c.OnEpochEnd(epoch, results));
        }
        // With an exponential moving average of the weights, the model keeps the averaged values (as Keras does).
        if (prepared)
        {
            using (WritingWeights()) _optimizer!.FinalizeVariableValues(_stepVariables);
        }
        cbs.Each(c => c.OnTrainEnd(epochLogs));
        return history;
    }

    // The runtime's allocator keeps what a step's tensors freed (glibc's heap does, fragmented by blocks of varying
    // size); giving it back at most once a second keeps a long run's resident memory near what is in use, for about
    // 1% of the time (a release measured 5-15 ms).
    private static void ReleaseFreeMemory() => KerasBackend.Current.ReleaseFreeMemory(TimeSpan.FromSeconds(1));

    // Keras turns class_weight into per-sample weights from the labels (integer labels or one-hot rows).
    private static Tensor ClassWeightsToSampleWeights(IReadOnlyDictionary<int, double> classWeight, Tensor[] ys, Tensor? sampleWeight)
    {
        if (ys.Length != 1)
            throw new ArgumentException("classWeight is only supported for models with a single output; use sampleWeight instead.", nameof(classWeight));
        if (classWeight.Count == 0) return sampleWeight ?? throw new ArgumentException("classWeight is empty.", nameof(classWeight));
        if (classWeight.Keys.Any(k => k < 0)) throw new ArgumentException("classWeight keys must be class indices >= 0.", nameof(classWeight));
        var y = ys[0];
        var labels = y.Rank >= 2 && y.Shape[-1] > 1 ? Ops.ArgMax(y, -1) : Ops.Cast(Ops.Reshape(y, y.Shape[0], -1), DType.Int64);
        labels = Ops.Reshape(labels, -1);
        if (labels.Shape[0] != y.Shape[0])
            throw new ArgumentException($"classWeight needs one label per sample; targets of shape {y.Shape} have several.", nameof(classWeight));
        var table = new float[classWeight.Keys.Max() + 1];
        Array.Fill(table, 1f);
        foreach (var (cls, weight) in classWeight) table[cls] = (float)weight;
        var maxLabel = (long)Ops.Max(labels).Item();
        if (maxLabel >= table.Length)
            throw new ArgumentException($"classWeight has no entry for class {maxLabel}, which occurs in the targets.", nameof(classWeight));
        var weights = Ops.Take(Ops.Constant(table, new Shape(table.Length)), labels);
        return sampleWeight is null ? weights : Ops.Multiply(Ops.Cast(Ops.Reshape(sampleWeight, -1), DType.Float32), weights);
    }

    private IReadOnlyList<Variable> _stepVariables = [];
    private Tensor[] _stepSources = [];
    private Tensor[]? _lastOutputLosses;

    private void PrepareTraining()
    {
        _stepVariables = TrainableWeights;
        if (_stepVariables.Count == 0)
            throw new InvalidOperationException($"Model \"{Name}\" has no trainable weights; nothing to fit.");
        _optimizer!.Build(_stepVariables);
        _stepSources = _stepVariables.Select(v => v.Value).ToArray();
    }

    /// <summary>
    /// One training step on one batch (Keras's <c>train_step</c>): forward pass in training mode,
    /// <see cref="ComputeLoss"/>, gradients, the optimizer update, then <see cref="ComputeMetrics"/>.
    /// Override it to customise training while keeping <c>Fit</c>, callbacks and progress output.
    /// </summary>
    protected virtual void TrainStep(Tensors x, Tensors y, Tensor? sampleWeight)
    {
        var yPred = Apply(x, training: true);
        var loss = ComputeLoss(x, y, yPred, sampleWeight);
        var grads = KerasBackend.Current.Gradients(loss, _stepSources);
        _optimizer!.ApplyGradients(grads, _stepVariables);
        ComputeMetrics(x, y, yPred, loss, sampleWeight);
    }

    /// <summary>One evaluation step on one batch (Keras's <c>test_step</c>): forward pass in inference mode, loss and metrics.</summary>
    protected virtual void TestStep(Tensors x, Tensors y, Tensor? sampleWeight)
    {
        var yPred = Apply(x, training: false);
        var loss = ComputeLoss(x, y, yPred, sampleWeight);
        ComputeMetrics(x, y, yPred, loss, sampleWeight);
    }

    /// <summary>One prediction step on one batch (Keras's <c>predict_step</c>).</summary>
    protected virtual Tensors PredictStep(Tensors x) => Apply(x, training: false);

    /// <summary>
    /// The batch's total loss (Keras's <c>compute_loss</c>): the compiled losses of every output,
    /// weighted, plus the loss terms layers added during the forward pass.
    /// </summary>
    public Tensor ComputeLoss(Tensors x, Tensors y, Tensors yPred, Tensor? sampleWeight = null)
    {
        var (total, per) = Compiled(nameof(ComputeLoss)).ComputeLoss(y, yPred, sampleWeight);
        foreach (var extra in Losses) total = Ops.Add(total, extra);
        ClearLosses(); // the terms die with the step's scope
        _lastOutputLosses = per;
        return total;
    }

    /// <summary>Updates the loss tracker and the compiled metrics with one batch (Keras's <c>compute_metrics</c>).</summary>
    protected void ComputeMetrics(Tensors x, Tensors y, Tensors yPred, Tensor loss, Tensor? sampleWeight = null)
    {
        using var noGrad = Ops.NoGrad();
        var per = _lastOutputLosses ?? new Tensor[yPred.Count];
        Compiled(nameof(ComputeMetrics)).Update(y, yPred, loss, per, x[0].Shape[0]);
        _lastOutputLosses = null;
    }

    /// <summary>Runs one gradient step on one batch and returns the batch's loss and metrics (Keras's <c>train_on_batch</c>).</summary>
    public IReadOnlyDictionary<string, double> TrainOnBatch(object x, object y, object? sampleWeight = null)
    {
        using var session = EnterTrainer(nameof(TrainOnBatch));
        using var dataScope = Ops.Scope();
        var (xs, ys, n) = PrepareData(x, y, nameof(TrainOnBatch));
        var compiled = Compiled(nameof(TrainOnBatch));
        using var writing = WritingWeights();
        PrepareTraining();
        compiled.Reset();
        using (var scope = Ops.Scope())
        {
            var wb = sampleWeight is null ? null : DataAdapter.ToTensors(sampleWeight, nameof(sampleWeight))[0];
            TrainStep(new Tensors(xs), new Tensors(ys!), wb);
        }
        return compiled.Results();
    }

    // ------------------------------------------------------------------ evaluate

    /// <summary>Returns the loss and metrics on the given data (Keras's <c>evaluate</c> with <c>return_dict=True</c>).</summary>
    public IReadOnlyDictionary<string, double> Evaluate(object x, object y, int? batchSize = null, int verbose = 0,
        IEnumerable<Callback>? callbacks = null, object? sampleWeight = null)
    {
        using var session = EnterTrainer(nameof(Evaluate));
        using var dataScope = Ops.Scope();
        var (xs, ys, n) = PrepareData(x, y, nameof(Evaluate));
        var sw = sampleWeight is null ? null : DataAdapter.ToTensors(sampleWeight, nameof(sampleWeight))[0];
        var bs = batchSize ?? 32;
        ArgumentOutOfRangeException.ThrowIfLessThan(bs, 1, nameof(batchSize));
        return RunEvaluation(Compiled(nameof(Evaluate)), new ArrayBatches(xs, ys, sw, n, bs, shuffle: false), "", Listeners(verbose, callbacks));
    }

    /// <summary>Returns the loss and metrics on a <see cref="Dataset"/> (all of it, or <paramref name="steps"/> batches).</summary>
    public IReadOnlyDictionary<string, double> Evaluate(Dataset data, int? steps = null, int verbose = 0, IEnumerable<Callback>? callbacks = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var session = EnterTrainer(nameof(Evaluate));
        return RunEvaluation(Compiled(nameof(Evaluate)), new DatasetBatches(data, steps), "", Listeners(verbose, callbacks));
    }

    /// <summary>Returns the loss and metrics of one batch (Keras's <c>test_on_batch</c>).</summary>
    public IReadOnlyDictionary<string, double> TestOnBatch(object x, object y, object? sampleWeight = null)
    {
        using var session = EnterTrainer(nameof(TestOnBatch));
        using var dataScope = Ops.Scope();
        var (xs, ys, n) = PrepareData(x, y, nameof(TestOnBatch));
        var sw = sampleWeight is null ? null : DataAdapter.ToTensors(sampleWeight, nameof(sampleWeight))[0];
        return RunEvaluation(Compiled(nameof(TestOnBatch)), new ArrayBatches(xs, ys, sw, n, (int)Math.Max(1, n), shuffle: false), "");
    }

    private CallbackList Listeners(int verbose, IEnumerable<Callback>? callbacks)
    {
        var list = new List<Callback>();
        if (verbose > 0) list.Add(new ProgbarLogger(ProgressOutput, verbose));
        if (callbacks is not null) list.AddRange(callbacks);
        return new CallbackList(list);
    }

    private static int StepsOf(BatchSource source) => source.Steps ?? (source is DatasetBatches { Cardinality: long c } ? (int)c : 0);

    private SortedDictionary<string, double> RunEvaluation(CompileState compiled, BatchSource source, string prefix, CallbackList? cbs = null)
    {
        var empty = new Dictionary<string, double>();
        cbs?.Configure(this, new Dictionary<string, int> { ["steps"] = StepsOf(source), ["evaluating"] = 1 });
        cbs?.Each(c => c.OnTestBegin(empty));
        compiled.Reset();
        using (var batches = source.Epoch(0))
        {
            for (int step = 0; ; step++)
            {
                using (var scope = Ops.Scope())
                using (var noGrad = Ops.NoGrad())
                {
                    if (!batches.MoveNext()) break;
                    var b = batches.Current;
                    if (b.Y is null) throw new ArgumentException("Evaluate needs targets: the data gave a batch without y.");
                    using (ReadingWeights()) TestStep(new Tensors(b.X), new Tensors(b.Y), b.SampleWeight);
                }
                if (cbs is { NeedsBatchLogs: true })
                {
                    var logs = compiled.Results();
                    cbs.Each(c => c.OnTestBatchEnd(step, logs));
                }
            }
        }
        var results = compiled.Results(prefix);
        cbs?.Each(c => c.OnTestEnd(results));
        return results;
    }

    // ------------------------------------------------------------------ predict

    /// <summary>Runs the model on <paramref name="x"/> in batches and returns the (single) output (Keras's <c>predict</c>).</summary>
    /// <remarks>Thread-safe: any number of threads (and async callers) may predict with one model at once
    /// and get the single-threaded results; a concurrent training step is waited for, never seen half-done.</remarks>
    public NDArray Predict(object x, int? batchSize = null, int verbose = 0, IEnumerable<Callback>? callbacks = null) =>
        Single(PredictOutputs(x, batchSize, verbose, callbacks));

    /// <summary>Runs the model on a <see cref="Dataset"/> (all of it, or <paramref name="steps"/> batches) and returns the (single) output.</summary>
    /// <remarks>Thread-safe: any number of threads (and async callers) may predict with one model at once
    /// and get the single-threaded results; a concurrent training step is waited for, never seen half-done.</remarks>
    public NDArray Predict(Dataset data, int? steps = null, int verbose = 0, IEnumerable<Callback>? callbacks = null) =>
        Single(PredictOutputs(data, steps, verbose, callbacks));

    private NDArray Single(NDArray[] outputs) => outputs.Length == 1
        ? outputs[0]
        : throw new InvalidOperationException($"Model \"{Name}\" has {outputs.Length} outputs; use PredictOutputs to get all of them.");

    /// <summary>Runs the model on <paramref name="x"/> in batches and returns every output, in output order.</summary>
    /// <remarks>Thread-safe: any number of threads (and async callers) may predict with one model at once
    /// and get the single-threaded results; a concurrent training step is waited for, never seen half-done.</remarks>
    public NDArray[] PredictOutputs(object x, int? batchSize = null, int verbose = 0, IEnumerable<Callback>? callbacks = null)
    {
        ThrowIfDisposed();
        using var dataScope = Ops.Scope();
        var (xs, _, n) = PrepareData(x, null, nameof(Predict));
        int bs = batchSize ?? 32;
        ArgumentOutOfRangeException.ThrowIfLessThan(bs, 1, nameof(batchSize));
        return RunPrediction(new ArrayBatches(xs, null, null, n, bs, shuffle: false), Listeners(verbose, callbacks));
    }

    /// <summary>Runs the model on a <see cref="Dataset"/> and returns every output, in output order.</summary>
    /// <remarks>Thread-safe: any number of threads (and async callers) may predict with one model at once
    /// and get the single-threaded results; a concurrent training step is waited for, never seen half-done.</remarks>
    public NDArray[] PredictOutputs(Dataset data, int? steps = null, int verbose = 0, IEnumerable<Callback>? callbacks = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return RunPrediction(new DatasetBatches(data, steps), Listeners(verbose, callbacks));
    }

    private NDArray[] RunPrediction(BatchSource source, CallbackList cbs)
    {
        var empty = new Dictionary<string, double>();
        cbs.Configure(this, new Dictionary<string, int> { ["steps"] = StepsOf(source) });
        cbs.Each(c => c.OnPredictBegin(empty));
        List<HostArray>[]? chunks = null;
        using (var batches = source.Epoch(0))
        {
            for (int step = 0; ; step++)
            {
                using (var scope = Ops.Scope())
                using (var noGrad = Ops.NoGrad())
                {
                    if (!batches.MoveNext()) break;
                    var b = batches.Current;
                    EnsureBuiltFor(b.X);
                    using var weights = PredictingWeights();
                    using var inference = CallContext.EnterInference();
                    var outs = PredictStep(new Tensors(b.X));
                    chunks ??= outs.Select(_ => new List<HostArray>()).ToArray();
                    for (int i = 0; i < outs.Count; i++) chunks[i].Add(outs[i].ToHost());
                }
                cbs.Each(c => c.OnPredictBatchEnd(step, empty));
            }
        }
        cbs.Each(c => c.OnPredictEnd(empty));
        if (chunks is null) return [];
        return chunks.Select(c => BatchCollector.ConcatenateRows(c).ToNDArray()).ToArray();
    }

    /// <summary>Runs the model on one batch (Keras's <c>predict_on_batch</c>).</summary>
    /// <remarks>Thread-safe: any number of threads (and async callers) may predict with one model at once
    /// and get the single-threaded results; a concurrent training step is waited for, never seen half-done.</remarks>
    public NDArray PredictOnBatch(object x)
    {
        ThrowIfDisposed();
        using var scope = Ops.Scope();
        var (xs, _, _) = PrepareData(x, null, nameof(PredictOnBatch));
        using var noGrad = Ops.NoGrad();
        using var weights = PredictingWeights();
        using var inference = CallContext.EnterInference();
        var outs = PredictStep(new Tensors(xs));
        if (outs.Count != 1)
            throw new InvalidOperationException($"Model \"{Name}\" has {outs.Count} outputs; use PredictOutputs.");
        return outs[0].ToNDArray();
    }
}
