using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Models;
using Keras.Optimizers;
using NumSharp;
using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using TT = TorchSharp.torch.Tensor;

namespace Keras.Bench;

/// <summary>
/// A model trained side by side: its Keras.Net definition, the same network written directly against TorchSharp
/// (and, in pytorch_worker.py, against PyTorch), the data, and how Keras weights map onto the hand-written one.
/// </summary>
internal abstract class Workload : IDisposable
{
    public const int Seed = 1234;
    public const double LearningRate = 1e-3;

    // Keras's Adam epsilon (torch's default is 1e-8); the hand-written sides use it too.
    public const double AdamEpsilon = 1e-7;

    protected Workload(Options options) => Options = options;

    public Options Options { get; }

    /// <summary>Short name: mlp, cnn, lstm.</summary>
    public abstract string Name { get; }

    /// <summary>One line: architecture, loss, optimizer.</summary>
    public abstract string Description { get; }

    /// <summary>Where the data came from (<c>fashion_mnist</c> or <c>synthetic</c>).</summary>
    public string DataSource { get; protected set; } = "synthetic";

    /// <summary>Inputs as the Keras model takes them.</summary>
    public TT KerasX { get; protected set; } = null!;

    /// <summary>The same inputs as the hand-written model takes them (a view of <see cref="KerasX"/> where layouts differ).</summary>
    public TT RawX { get; protected set; } = null!;

    /// <summary>Targets for both sides.</summary>
    public TT Y { get; protected set; } = null!;

    public long N => KerasX.shape[0];

    public int Batch => Options.Batch;

    /// <summary>A compiled Keras model with fresh (seeded) weights.</summary>
    public abstract Sequential BuildKeras();

    /// <summary>The hand-written TorchSharp model with the Keras model's weights.</summary>
    public abstract RawModel BuildRaw(IReadOnlyList<NDArray> kerasWeights);

    /// <summary>The hand-written model with torch's own initialisation (memory runs, which need no Keras model).</summary>
    public abstract RawModel NewRaw();

    /// <summary>Sizes the PyTorch worker needs to build the same model.</summary>
    protected virtual void Describe(JsonObject manifest)
    {
    }

    /// <summary>Writes data and the hand-written model's weights for pytorch_worker.py (raw little-endian files plus a manifest).</summary>
    public string ExportForPyTorch(string root, RawModel raw)
    {
        var dir = Path.Combine(root, Name);
        Directory.CreateDirectory(dir);
        var manifest = new JsonObject
        {
            ["model"] = Name,
            ["batch"] = Batch,
            ["lr"] = LearningRate,
            ["eps"] = AdamEpsilon,
            ["x"] = WriteTensor(RawX, Path.Combine(dir, "x.bin")),
            ["y"] = WriteTensor(Y, Path.Combine(dir, "y.bin")),
            ["params"] = new JsonArray(raw.Ordered.Select((p, i) => (JsonNode)WriteTensor(p, Path.Combine(dir, $"p{i}.bin"))).ToArray()),
        };
        Describe(manifest);
        File.WriteAllText(Path.Combine(dir, "manifest.json"), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return dir;
    }

    private static JsonObject WriteTensor(TT t, string path)
    {
        using var c = t.detach().contiguous();
        byte[] bytes = c.dtype switch
        {
            torch.ScalarType.Float32 => MemoryMarshal.AsBytes(c.data<float>().ToArray().AsSpan()).ToArray(),
            torch.ScalarType.Int64 => MemoryMarshal.AsBytes(c.data<long>().ToArray().AsSpan()).ToArray(),
            _ => throw new NotSupportedException($"Cannot export a {c.dtype} tensor for PyTorch; the workloads use float32 and int64."),
        };
        File.WriteAllBytes(path, bytes);
        return new JsonObject
        {
            ["file"] = Path.GetFileName(path),
            ["dtype"] = c.dtype == torch.ScalarType.Float32 ? "float32" : "int64",
            ["shape"] = new JsonArray(c.shape.Select(d => (JsonNode)d).ToArray()),
        };
    }

    public static Workload Create(string name, Options options) => name switch
    {
        "mlp" => new MlpWorkload(options),
        "cnn" => new CnnWorkload(options),
        "lstm" => new LstmWorkload(options),
        _ => throw new ArgumentException($"Unknown workload '{name}'; expected mlp, cnn or lstm.", nameof(name)),
    };

    public virtual void Dispose()
    {
        if (!ReferenceEquals(RawX, KerasX)) RawX?.Dispose();
        KerasX?.Dispose();
        Y?.Dispose();
    }

    protected static TT Host(NDArray w) => torch.tensor(w.ToArray<float>(), w.shape.Select(d => (long)d).ToArray());

    /// <summary>Copies a Keras Dense kernel (in, out) and bias into a torch Linear (weight (out, in)).</summary>
    protected static void CopyDense(TorchSharp.Modules.Linear linear, NDArray kernel, NDArray bias)
    {
        using var noGrad = torch.no_grad();
        using var k = Host(kernel);
        using var b = Host(bias);
        linear.weight!.copy_(k.t());
        linear.bias!.copy_(b);
    }
}

/// <summary>A hand-written TorchSharp model: forward returns logits; the loss applies the output activation.</summary>
internal abstract class RawModel : torch.nn.Module<TT, TT>
{
    protected RawModel(string name)
        : base(name)
    {
    }

    /// <summary>Parameters in the order pytorch_worker.py assigns them.</summary>
    public abstract IReadOnlyList<Parameter> Ordered { get; }

    public abstract TT Loss(TT logits, TT y);

    /// <summary>What the Keras model outputs (softmax or sigmoid of the logits).</summary>
    public abstract TT Probabilities(TT logits);
}

// ---------------------------------------------------------------------------------------------- MLP

internal sealed class MlpWorkload : Workload
{
    public const int Features = 784;
    public const int Classes = 10;

    public MlpWorkload(Options options)
        : base(options)
    {
        var images = Images.Load(options.Samples);
        DataSource = images.SourceKey;
        KerasX = torch.tensor(images.X, [images.N, Features]);
        RawX = KerasX;
        Y = torch.tensor(images.Y, [images.N]);
    }

    public override string Name => "mlp";

    public override string Description => "784-512-256-10 MLP (relu, relu, softmax), sparse categorical cross-entropy, Adam 1e-3";

    public override Sequential BuildKeras() => Build();

    /// <summary>The Keras model (also used by the cold-start and MKL child processes).</summary>
    public static Sequential Build()
    {
        var model = new Sequential(
        [
            new Dense(512, activation: "relu", inputShape: Features),
            new Dense(256, activation: "relu"),
            new Dense(Classes, activation: "softmax"),
        ]);
        model.Compile(optimizer: new Adam(LearningRate), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    public override RawModel NewRaw() => new RawMlp();

    public override RawModel BuildRaw(IReadOnlyList<NDArray> w)
    {
        var raw = new RawMlp();
        for (int i = 0; i < 3; i++) CopyDense(raw.Layers[i], w[2 * i], w[2 * i + 1]);
        return raw;
    }
}

/// <summary>784-512-256-10 with relu; TorchSharp only (the raw cold-start child uses it without loading Keras.Net).</summary>
/// <remarks>Module fields are named as in PyTorch: RegisterComponents turns them into the state_dict names (fc1.weight, ...).</remarks>
internal sealed class RawMlp : RawModel
{
    private readonly TorchSharp.Modules.Linear fc1 = torch.nn.Linear(MlpWorkload.Features, 512);
    private readonly TorchSharp.Modules.Linear fc2 = torch.nn.Linear(512, 256);
    private readonly TorchSharp.Modules.Linear fc3 = torch.nn.Linear(256, MlpWorkload.Classes);

    public RawMlp()
        : base("mlp") => RegisterComponents();

    public TorchSharp.Modules.Linear[] Layers => [fc1, fc2, fc3];

    public override IReadOnlyList<Parameter> Ordered => [fc1.weight!, fc1.bias!, fc2.weight!, fc2.bias!, fc3.weight!, fc3.bias!];

    public override TT forward(TT x)
    {
        using var h1 = torch.nn.functional.relu(fc1.forward(x));
        using var h2 = torch.nn.functional.relu(fc2.forward(h1));
        return fc3.forward(h2);
    }

    public override TT Loss(TT logits, TT y) => torch.nn.functional.cross_entropy(logits, y);

    public override TT Probabilities(TT logits) => torch.nn.functional.softmax(logits, 1);
}

// ---------------------------------------------------------------------------------------------- CNN

/// <summary>The 2-conv CNN of examples/FashionMnistCnn.</summary>
internal sealed class CnnWorkload : Workload
{
    public CnnWorkload(Options options)
        : base(options)
    {
        var images = Images.Load(options.Samples);
        DataSource = images.SourceKey;
        KerasX = torch.tensor(images.X, [images.N, 28, 28, 1]);
        RawX = KerasX.view(images.N, 1, 28, 28); // one channel: NHWC and NCHW hold the same bytes
        Y = torch.tensor(images.Y, [images.N]);
    }

    public override string Name => "cnn";

    public override string Description =>
        "Conv2D(32,3)-MaxPool-Conv2D(64,3)-MaxPool-Flatten-Dropout(0.3)-Dense(128)-Dense(10) (examples/FashionMnistCnn), Adam 1e-3";

    public override Sequential BuildKeras()
    {
        var model = new Sequential(
        [
            new Conv2D(32, 3, activation: "relu", inputShape: (28, 28, 1)),
            new MaxPooling2D(2),
            new Conv2D(64, 3, activation: "relu"),
            new MaxPooling2D(2),
            new Flatten(),
            new Dropout(0.3),
            new Dense(128, activation: "relu"),
            new Dense(10, activation: "softmax"),
        ]);
        model.Compile(optimizer: new Adam(LearningRate), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    public override RawModel NewRaw() => new RawCnn();

    public override RawModel BuildRaw(IReadOnlyList<NDArray> w)
    {
        var raw = new RawCnn();
        using var noGrad = torch.no_grad();
        // Keras conv kernels are (kh, kw, in, out); torch's are (out, in, kh, kw).
        foreach (var (conv, k, b) in new[] { (raw.Conv1, w[0], w[1]), (raw.Conv2, w[2], w[3]) })
        {
            using var kernel = Host(k);
            using var bias = Host(b);
            conv.weight!.copy_(kernel.permute(3, 2, 0, 1));
            conv.bias!.copy_(bias);
        }

        // Keras flattens (h, w, c), torch (c, h, w): reorder the first Dense kernel's rows to match.
        using (var kernel = Host(w[4]))
        using (var bias = Host(w[5]))
        {
            using var chw = kernel.view(5, 5, 64, 128).permute(2, 0, 1, 3).reshape(1600, 128);
            raw.Fc1.weight!.copy_(chw.t());
            raw.Fc1.bias!.copy_(bias);
        }

        CopyDense(raw.Fc2, w[6], w[7]);
        return raw;
    }
}

internal sealed class RawCnn : RawModel
{
    private readonly TorchSharp.Modules.Conv2d conv1 = torch.nn.Conv2d(1, 32, 3);
    private readonly TorchSharp.Modules.Conv2d conv2 = torch.nn.Conv2d(32, 64, 3);
    private readonly TorchSharp.Modules.Linear fc1 = torch.nn.Linear(1600, 128);
    private readonly TorchSharp.Modules.Linear fc2 = torch.nn.Linear(128, 10);

    public RawCnn()
        : base("cnn") => RegisterComponents();

    public TorchSharp.Modules.Conv2d Conv1 => conv1;

    public TorchSharp.Modules.Conv2d Conv2 => conv2;

    public TorchSharp.Modules.Linear Fc1 => fc1;

    public TorchSharp.Modules.Linear Fc2 => fc2;

    public override IReadOnlyList<Parameter> Ordered =>
        [conv1.weight!, conv1.bias!, conv2.weight!, conv2.bias!, fc1.weight!, fc1.bias!, fc2.weight!, fc2.bias!];

    public override TT forward(TT x)
    {
        using var scope = torch.NewDisposeScope();
        var h = torch.nn.functional.max_pool2d(torch.nn.functional.relu(conv1.forward(x)), 2);
        h = torch.nn.functional.max_pool2d(torch.nn.functional.relu(conv2.forward(h)), 2);
        h = torch.nn.functional.dropout(h.flatten(1), 0.3, training);
        h = torch.nn.functional.relu(fc1.forward(h));
        return fc2.forward(h).MoveToOuterDisposeScope();
    }

    public override TT Loss(TT logits, TT y) => torch.nn.functional.cross_entropy(logits, y);

    public override TT Probabilities(TT logits) => torch.nn.functional.softmax(logits, 1);
}

// ---------------------------------------------------------------------------------------------- LSTM

/// <summary>A text classifier: Embedding + LSTM + Dense(1, sigmoid) on synthetic token sequences.</summary>
internal sealed class LstmWorkload : Workload
{
    public LstmWorkload(Options options)
        : base(options)
    {
        int n = Math.Min(options.Samples, 20000);
        int seq = options.LstmSeq, vocab = options.LstmVocab;
        var tokens = new long[(long)n * seq];
        var labels = new float[n];
        var rng = new Random(Seed);
        // Learnable: class 1 draws 60% of its tokens from the upper half of the vocabulary, class 0 from the lower half.
        for (int i = 0; i < n; i++)
        {
            int label = rng.Next(2);
            labels[i] = label;
            for (int t = 0; t < seq; t++)
            {
                bool upper = rng.NextDouble() < (label == 1 ? 0.6 : 0.4);
                int half = vocab / 2;
                tokens[(long)i * seq + t] = upper ? half + rng.Next(vocab - half) : 1 + rng.Next(Math.Max(1, half - 1));
            }
        }

        KerasX = torch.tensor(tokens, [n, seq]);
        RawX = KerasX;
        Y = torch.tensor(labels, [n, 1]);
        DataSource = "synthetic";
    }

    public override string Name => "lstm";

    public override string Description =>
        $"Embedding({Options.LstmVocab},{Options.LstmUnits})-LSTM({Options.LstmUnits})-Dense(1, sigmoid) on {Options.LstmSeq}-token sequences, binary cross-entropy, Adam 1e-3";

    protected override void Describe(JsonObject manifest)
    {
        manifest["vocab"] = Options.LstmVocab;
        manifest["units"] = Options.LstmUnits;
        manifest["seq"] = Options.LstmSeq;
    }

    public override Sequential BuildKeras()
    {
        var model = new Sequential(
        [
            new Embedding(Options.LstmVocab, Options.LstmUnits, inputShape: Options.LstmSeq),
            new LSTM(Options.LstmUnits),
            new Dense(1, activation: "sigmoid"),
        ]);
        model.Compile(optimizer: new Adam(LearningRate), loss: "binary_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    public override RawModel NewRaw() => new RawLstm(Options.LstmVocab, Options.LstmUnits);

    public override RawModel BuildRaw(IReadOnlyList<NDArray> w)
    {
        var raw = new RawLstm(Options.LstmVocab, Options.LstmUnits);
        using var noGrad = torch.no_grad();
        using var embeddings = Host(w[0]);
        using var kernel = Host(w[1]);
        using var recurrent = Host(w[2]);
        using var bias = Host(w[3]);
        // Keras: kernel (in, 4u), recurrent_kernel (u, 4u), one bias; gates i, f, c, o — torch's order i, f, g, o.
        raw.Embedding.weight!.copy_(embeddings);
        raw.WeightIh.copy_(kernel.t());
        raw.WeightHh.copy_(recurrent.t());
        raw.BiasIh.copy_(bias);
        raw.BiasHh.zero_();
        CopyDense(raw.Fc, w[4], w[5]);
        return raw;
    }
}

internal sealed class RawLstm : RawModel
{
    private readonly TorchSharp.Modules.Embedding embedding;
    private readonly TorchSharp.Modules.LSTM lstm;
    private readonly TorchSharp.Modules.Linear fc;

    public RawLstm(int vocab, int units)
        : base("lstm")
    {
        embedding = torch.nn.Embedding(vocab, units);
        lstm = torch.nn.LSTM(units, units, batchFirst: true);
        fc = torch.nn.Linear(units, 1);
        RegisterComponents();
        var named = lstm.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        WeightIh = named["weight_ih_l0"];
        WeightHh = named["weight_hh_l0"];
        BiasIh = named["bias_ih_l0"];
        BiasHh = named["bias_hh_l0"];
    }

    public TorchSharp.Modules.Embedding Embedding => embedding;

    public TorchSharp.Modules.Linear Fc => fc;

    public Parameter WeightIh { get; }

    public Parameter WeightHh { get; }

    public Parameter BiasIh { get; }

    public Parameter BiasHh { get; }

    public override IReadOnlyList<Parameter> Ordered => [embedding.weight!, WeightIh, WeightHh, BiasIh, BiasHh, fc.weight!, fc.bias!];

    public override TT forward(TT tokens)
    {
        using var scope = torch.NewDisposeScope();
        var (output, _, _) = lstm.forward(embedding.forward(tokens));
        var last = output.select(1, -1);
        return fc.forward(last).MoveToOuterDisposeScope();
    }

    public override TT Loss(TT logits, TT y) => torch.nn.functional.binary_cross_entropy_with_logits(logits, y);

    public override TT Probabilities(TT logits) => torch.sigmoid(logits);
}

// ---------------------------------------------------------------------------------------------- data

/// <summary>Fashion-MNIST images (or same-shaped synthetic ones), loaded once per process.</summary>
internal sealed class Images
{
    private static Images? s_cached;

    private Images(float[] x, long[] y, string source, string sourceKey)
    {
        X = x;
        Y = y;
        N = y.Length;
        Source = source;
        SourceKey = sourceKey;
    }

    /// <summary>Pixels scaled to [0, 1], (N, 784) row-major.</summary>
    public float[] X { get; }

    public long[] Y { get; }

    public int N { get; }

    public string Source { get; }

    public string SourceKey { get; }

    public static Images Load(int samples)
    {
        if (s_cached is { } c && c.N == samples) return c;
        try
        {
            var ((xTrain, yTrain), _) = Datasets.FashionMnist.LoadData();
            long available = xTrain.shape[0];
            int n = (int)Math.Min(samples, available);
            byte[] pixels = xTrain.ToArray<byte>();
            byte[] labels = yTrain.ToArray<byte>();
            var x = new float[(long)n * MlpWorkload.Features];
            for (long i = 0; i < x.Length; i++) x[i] = pixels[i] / 255f;
            var y = new long[n];
            for (int i = 0; i < n; i++) y[i] = labels[i];
            return s_cached = new Images(x, y, $"Fashion-MNIST train, first {n}", "fashion_mnist");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.WriteLine($"Fashion-MNIST not usable ({e.GetType().Name}: {e.Message.Split('\n')[0]}); using synthetic data.");
            return s_cached = Synthetic(samples);
        }
    }

    // Deterministic, learnable stand-in: 10 random class prototypes in [0, 1] plus noise, clipped to [0, 1].
    private static Images Synthetic(int n)
    {
        const int features = MlpWorkload.Features;
        var rng = new Random(Workload.Seed);
        var prototypes = new float[MlpWorkload.Classes, features];
        for (int c = 0; c < MlpWorkload.Classes; c++)
            for (int f = 0; f < features; f++) prototypes[c, f] = rng.NextSingle();
        var x = new float[(long)n * features];
        var y = new long[n];
        for (int i = 0; i < n; i++)
        {
            int c = rng.Next(MlpWorkload.Classes);
            y[i] = c;
            for (int f = 0; f < features; f++)
                x[(long)i * features + f] = Math.Clamp(prototypes[c, f] + (rng.NextSingle() - 0.5f) * 1.5f, 0f, 1f);
        }

        return new Images(x, y, $"synthetic (deterministic, seed {Workload.Seed}), {n} samples", "synthetic");
    }
}
