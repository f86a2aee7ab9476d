using Keras.Backend;
using Keras.Data;
using Keras.Models;

namespace Keras.Examples.Serving;

/// <summary>
/// The served model and what clients need to know about it. Requests call <see cref="Predict"/>
/// directly and concurrently: Keras.Net's <c>Model.Predict</c> is safe to call from many threads at
/// once, so there is deliberately no lock here.
/// </summary>
public sealed class ModelHost : IDisposable
{
    private ModelHost(Model model, string file, bool isDemo)
    {
        Model = model;
        File = file;
        IsDemo = isDemo;
        var input = model.Inputs[0];
        InputShape = input.Shape;
        InputDType = input.DType;
        InputName = input.Name ?? "input";
        OutputShape = model.Outputs[0].Shape;
        OutputDType = model.Outputs[0].DType;
    }

    /// <summary>The loaded model.</summary>
    public Model Model { get; }

    /// <summary>The file the model was loaded from.</summary>
    public string File { get; }

    /// <summary>True when no model was given and the example made its demo model.</summary>
    public bool IsDemo { get; }

    /// <summary>The model's input shape, batch dimension first (unknown dimensions are <see cref="Shape.Unknown"/>).</summary>
    public Shape InputShape { get; }

    /// <summary>The shape of one instance (the input shape without its batch dimension).</summary>
    public Shape InstanceShape => InputShape.WithoutBatch();

    /// <summary>The input's element type.</summary>
    public DType InputDType { get; }

    /// <summary>The input's name.</summary>
    public string InputName { get; }

    /// <summary>The model's output shape, batch dimension first.</summary>
    public Shape OutputShape { get; }

    /// <summary>The output's element type.</summary>
    public DType OutputDType { get; }

    /// <summary>
    /// Loads a model file. The example serves models with one input and one output whose input is
    /// float32, float64, int32 or int64; anything else is refused here, at start, rather than per request.
    /// </summary>
    /// <exception cref="ArgumentException">The model does not have that form.</exception>
    public static ModelHost Load(string path, bool isDemo = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var model = Model.Load(Path.GetFullPath(path), compile: false);
        try
        {
            if (model.Inputs.Count != 1 || model.Outputs.Count != 1)
                throw new ArgumentException($"'{path}': this example serves models with one input and one output; model \"{model.Name}\" has {model.Inputs.Count} input(s) and {model.Outputs.Count} output(s).", nameof(path));
            var dtype = model.Inputs[0].DType;
            if (dtype is not (DType.Float32 or DType.Float64 or DType.Int32 or DType.Int64))
                throw new ArgumentException($"'{path}': input \"{model.Inputs[0].Name}\" has dtype {dtype.Name()}; this example serves float32, float64, int32 and int64 inputs.", nameof(path));
            if (model.Inputs[0].Shape.Rank == 0)
                throw new ArgumentException($"'{path}': input \"{model.Inputs[0].Name}\" is a scalar; it needs a batch dimension.", nameof(path));
            return new ModelHost(model, path, isDemo);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Runs the model on a validated batch and returns the output as a host array.</summary>
    public HostArray Predict(HostArray batch)
    {
        using var output = Model.Predict(batch);
        return HostArray.From(output, "predictions");
    }

    /// <summary>The intra-op threads one prediction may use (libtorch's setting).</summary>
    public static int Threads => KerasBackend.Info.Threads;

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
