using System.Reflection;
using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Runs a recurrent layer forwards and a copy of it backwards over the same sequence and merges the
/// two outputs (Keras's <c>Bidirectional</c>). As in Keras the forward layer is re-created from
/// the given layer's config (named <c>forward_&lt;name&gt;</c>, fresh weights) and the backward layer is
/// the same config with <c>go_backwards</c> (named <c>backward_&lt;name&gt;</c>) unless
/// <c>backwardLayer</c> is given. With <c>returnSequences</c> the backward outputs are flipped back
/// to input order before merging, and masked steps output zeros.
/// <para>Outputs: the merged output (<c>mergeMode</c> "concat", "sum", "mul", "ave"), or the two
/// outputs [forward, backward] when <c>mergeMode</c> is null; with <c>returnState</c> the forward
/// layer's final states follow, then the backward layer's. Initial states given as extra inputs are
/// split in half: the first half goes to the forward layer.</para>
/// </summary>
public sealed class Bidirectional : Layer
{
    private static readonly string?[] MergeModes = ["concat", "sum", "mul", "ave", null];
    private readonly RNN _forward;
    private readonly RNN _backward;

    /// <summary>Wraps <paramref name="layer"/>.</summary>
    /// <param name="layer">The recurrent layer (an <see cref="RNN"/> such as <see cref="LSTM"/> or <see cref="GRU"/>).</param>
    /// <param name="mergeMode">How the outputs are combined: "concat" (default), "sum", "mul", "ave", or null for a list of both.</param>
    /// <param name="backwardLayer">The layer run backwards; by default a copy of <paramref name="layer"/> with <c>go_backwards</c>.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Sample shape (time, features), for the first layer of a Sequential model (default: the wrapped layer's).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">The dtype of the merged outputs.</param>
    public Bidirectional(Layer layer, string? mergeMode = "concat", Layer? backwardLayer = null, string? name = null, Shape? inputShape = null,
        bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape ?? layer?.DeclaredInputShape)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer is not RNN rnn)
            throw new ArgumentException($"Bidirectional \"{Name}\": the layer must be a recurrent layer (RNN, LSTM, GRU, SimpleRNN); got {layer.GetType().Name} \"{layer.Name}\".", nameof(layer));
        if (backwardLayer is not null and not RNN)
            throw new ArgumentException($"Bidirectional \"{Name}\": backwardLayer must be a recurrent layer (RNN, LSTM, GRU, SimpleRNN); got {backwardLayer.GetType().Name} \"{backwardLayer.Name}\".", nameof(backwardLayer));
        if (!MergeModes.Contains(mergeMode))
            throw new ArgumentException($"Bidirectional \"{Name}\": invalid merge mode '{mergeMode}'; expected one of \"concat\", \"sum\", \"mul\", \"ave\" or null.", nameof(mergeMode));
        MergeMode = mergeMode;

        _forward = Recreate(rnn, "forward_" + RemovePrefix(rnn.Name, "forward_"), goBackwards: null);
        _backward = backwardLayer is RNN given
            ? given
            : Recreate(rnn, "backward_" + RemovePrefix(rnn.Name, "backward_"), goBackwards: true);
        if (_forward.GoBackwards == _backward.GoBackwards)
            throw new ArgumentException(
                $"Bidirectional \"{Name}\": the forward and backward layers should have different go_backwards values; " +
                $"got forward go_backwards={_forward.GoBackwards}, backward go_backwards={_backward.GoBackwards}.", nameof(backwardLayer));
        foreach (var (attr, f, b) in new[]
                 {
                     ("stateful", _forward.Stateful, _backward.Stateful),
                     ("return_sequences", _forward.ReturnSequences, _backward.ReturnSequences),
                     ("return_state", _forward.ReturnState, _backward.ReturnState),
                 })
        {
            if (f != b)
                throw new ArgumentException(
                    $"Bidirectional \"{Name}\": the forward and backward layers should have the same value for \"{attr}\"; got {f} for the forward layer and {b} for the backward layer.",
                    nameof(backwardLayer));
        }
        // Keras forces zero outputs at masked steps when returning sequences, so the merge is clean.
        _forward.ZeroOutputForMask = _forward.ReturnSequences;
        _backward.ZeroOutputForMask = _backward.ReturnSequences;
        Track(_forward);
        Track(_backward);
        SupportsMasking = true;
        if (!trainable) Trainable = false;   // freezes both layers, as Keras's trainable setter does
    }

    /// <summary>How the outputs are merged ("concat", "sum", "mul", "ave"), or null for both outputs.</summary>
    public string? MergeMode { get; }

    /// <summary>The layer run forwards.</summary>
    public RNN ForwardLayer => _forward;

    /// <summary>The layer run backwards.</summary>
    public RNN BackwardLayer => _backward;

    public bool ReturnSequences => _forward.ReturnSequences;
    public bool ReturnState => _forward.ReturnState;
    public override bool Stateful => _forward.Stateful;

    private static string RemovePrefix(string name, string prefix) => name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;

    /// <summary>A fresh layer from <paramref name="layer"/>'s config, renamed (and reversed when asked), like Keras's serialize/deserialize round trip.</summary>
    private static RNN Recreate(RNN layer, string name, bool? goBackwards)
    {
        var config = layer.GetConfig();
        config["name"] = name;
        if (goBackwards is bool g) config["go_backwards"] = g;
        var className = layer.GetType().Name;
        Layer created;
        if (layer.GetType() == typeof(RNN))
        {
            // Re-create the cell from its own type, so user-written cells need no registration here.
            config.Remove("cell");
            var f = RnnSupport.Flags(new ConfigReader(config, className), className);
            var c = new ConfigReader(config, className);
            var (_, trainable, dtype) = c.LayerArgs();
            created = new RNN(CloneLayer(layer.Cell), f.ReturnSequences, f.ReturnState, f.GoBackwards, f.Stateful, f.Unroll, f.ZeroOutputForMask,
                name, trainable, dtype);
        }
        else
        {
            created = CloneLayer(layer, config);
        }
        return created as RNN ?? throw new InvalidOperationException($"Bidirectional: re-creating {className} \"{layer.Name}\" from its config gave a {created.GetType().Name}.");
    }

    /// <summary>A fresh copy of <paramref name="layer"/> from its config: through its class's static <c>FromConfig</c>, or the registry.</summary>
    private static Layer CloneLayer(Layer layer, JsonObject? config = null)
    {
        config ??= layer.GetConfig();
        if (layer is StackedRNNCells stacked)
        {
            var c = new ConfigReader(config, nameof(StackedRNNCells));
            var (name, trainable, dtype) = c.LayerArgs();
            return new StackedRNNCells(stacked.Cells.Select(cell => CloneLayer(cell)), name, trainable, dtype);
        }
        var fromConfig = layer.GetType().GetMethod("FromConfig", BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly, [typeof(JsonObject)]);
        if (fromConfig is not null && typeof(Layer).IsAssignableFrom(fromConfig.ReturnType))
        {
            try
            {
                return (Layer)fromConfig.Invoke(null, [config])!;
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }
        return KerasObjects.Layer(layer.GetType().Name, config);
    }

    /// <inheritdoc />
    public override void Build(Shape inputShape) => Build([inputShape]);

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        _forward.EnsureBuilt([inputShapes[0]]);
        _backward.EnsureBuilt([inputShapes[0]]);
        RnnSupport.PrefixPaths(Name, Weights);
    }

    /// <summary>Calls the layer with initial states: the first half for the forward layer, the second for the backward one.</summary>
    public Tensors Apply(Tensor sequences, IReadOnlyList<Tensor> initialState, bool? training = null, Tensor? mask = null)
    {
        ArgumentNullException.ThrowIfNull(initialState);
        return Apply(new Tensors([sequences, .. initialState]), training, mask is null ? null : new Tensors(mask));
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var x = inputs[0];
        var sequenceMask = mask is { Count: > 0 } ? mask[0] : x.KerasMask;
        var passMask = sequenceMask is null ? null : new Tensors(sequenceMask);
        var (forwardList, backwardList) = Split(inputs);
        var forwardInputs = new Tensors(forwardList);
        var backwardInputs = new Tensors(backwardList);

        var y = _forward.Apply(forwardInputs, training, passMask);
        var yRev = _backward.Apply(backwardInputs, training, passMask);
        var forwardOut = Ops.Cast(y[0], DType);
        var backwardOut = Ops.Cast(yRev[0], DType);
        if (ReturnSequences) backwardOut = RnnSupport.Reverse(backwardOut, 1);

        var outputs = new List<Tensor>();
        switch (MergeMode)
        {
            case "concat":
                outputs.Add(Ops.Concatenate([forwardOut, backwardOut], -1));
                break;
            case "sum":
                outputs.Add(Ops.Add(forwardOut, backwardOut));
                break;
            case "ave":
                outputs.Add(Ops.Multiply(Ops.Add(forwardOut, backwardOut), 0.5));
                break;
            case "mul":
                outputs.Add(Ops.Multiply(forwardOut, backwardOut));
                break;
            default:
                outputs.Add(forwardOut);
                outputs.Add(backwardOut);
                break;
        }
        if (ReturnState)
        {
            outputs.AddRange(y.Skip(1));
            outputs.AddRange(yRev.Skip(1));
        }
        foreach (var o in outputs) o.KerasMask = null;
        return new Tensors(outputs);
    }

    // [sequences, forward states…, backward states…] → the inputs of each layer.
    private (T[] Forward, T[] Backward) Split<T>(IReadOnlyList<T> inputs)
    {
        int n = inputs.Count - 1;
        if (n % 2 != 0)
            throw new ArgumentException($"Bidirectional \"{Name}\": initial states come in two halves (forward, then backward); got {n} state tensor(s).");
        var states = inputs.Skip(1).ToArray();
        return ([inputs[0], .. states[..(n / 2)]], [inputs[0], .. states[(n / 2)..]]);
    }

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        var (forwardInputs, backwardInputs) = Split(inputShapes);
        var forwardShapes = _forward.ComputeOutputShapes(forwardInputs);
        _backward.ComputeOutputShapes(backwardInputs);
        var output = forwardShapes[0];
        var states = forwardShapes.Skip(1).ToArray();
        var result = new List<Shape>();
        if (MergeMode == "concat") result.Add(output.With(-1, output[-1] == Shape.Unknown ? Shape.Unknown : output[-1] * 2));
        else if (MergeMode is null) result.AddRange([output, output]);
        else result.Add(output);
        if (ReturnState) result.AddRange([.. states, .. states]);
        return result;
    }

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <inheritdoc />
    public override Tensors? ComputeMask(Tensors inputs, Tensors? mask)
    {
        var sequenceMask = mask is { Count: > 0 } ? mask[0] : inputs[0].KerasMask;
        if (!ReturnSequences || sequenceMask is null) return null;
        return MergeMode is null ? new Tensors(sequenceMask, sequenceMask) : new Tensors(sequenceMask);
    }

    /// <summary>Sets the kept states of both layers back to zeros (stateful layers only).</summary>
    public void ResetStates()
    {
        if (!Stateful) throw new InvalidOperationException($"Bidirectional \"{Name}\": ResetStates needs a stateful layer.");
        _forward.ResetStates();
        _backward.ResetStates();
    }

    /// <summary>Keras 3's name for <see cref="ResetStates"/>.</summary>
    public void ResetState() => ResetStates();

    /// <summary>The kept states of both layers (forward first), or null before a stateful call.</summary>
    public IReadOnlyList<Variable>? States =>
        _forward.States is { } f && _backward.States is { } b ? [.. f, .. b] : null;

    /// <summary>Re-creates the wrapper (and the layers it wraps) from its Keras config.</summary>
    public static Bidirectional FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Bidirectional));
        var layer = c.Node("layer") as JsonObject ?? throw new FormatException("Bidirectional config: 'layer' is missing.");
        var backward = c.Node("backward_layer") as JsonObject;
        var mergeMode = c.Has("merge_mode") ? c.String("merge_mode") : c.Json.ContainsKey("merge_mode") ? null : "concat";
        var (name, trainable, dtype) = c.LayerArgs();
        // Keras's Bidirectional takes activity_regularizer through its base Layer's keyword arguments.
        return new Bidirectional(KerasObjects.Layer(layer), mergeMode, backward is null ? null : KerasObjects.Layer(backward),
            name, c.InputShape(), trainable, dtype) { ActivityRegularizer = c.Regularizer("activity_regularizer") };
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["merge_mode"] = MergeMode;
        c["layer"] = Serialization.Layer(_forward);
        c["backward_layer"] = Serialization.Layer(_backward);
        if (ActivityRegularizer is not null) c["activity_regularizer"] = RegularizationConfig.Serialize(ActivityRegularizer);
        return c;
    }
}
