using System.Collections;
using Keras.Backend;
using Keras.Data;
using NumSharp;

namespace Keras.Trainers;

/// <summary>
/// Turns what users pass as <c>x</c>/<c>y</c> — an NDArray, a .NET array, a HostArray, a Keras or
/// TorchSharp tensor, a list of those (several inputs/outputs) or a dictionary by input/output name —
/// into one runtime tensor per input, each holding every sample.
/// </summary>
internal static class DataAdapter
{
    public static Tensor[] ToTensors(object data, string argument, IReadOnlyList<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(data, argument);
        switch (data)
        {
            case IDictionary dict when data is not Array:
            {
                if (names is null || names.Count == 0)
                    throw new ArgumentException($"{argument}: a dictionary needs a model whose inputs/outputs have names; pass a list instead.", argument);
                var result = new Tensor[names.Count];
                for (int i = 0; i < names.Count; i++)
                {
                    if (!dict.Contains(names[i]))
                        throw new ArgumentException($"{argument}: no entry for '{names[i]}'. Expected keys: {string.Join(", ", names)}; got: {string.Join(", ", dict.Keys.Cast<object>())}.", argument);
                    result[i] = One(dict[names[i]]!, $"{argument}[\"{names[i]}\"]");
                }
                return result;
            }
            case Tensors ts:
                return ts.Select((t, i) => One(t, $"{argument}[{i}]")).ToArray();
            case IEnumerable seq when IsList(data):
                return seq.Cast<object>().Select((o, i) => One(o, $"{argument}[{i}]")).ToArray();
            default:
                return [One(data, argument)];
        }
    }

    // A list of arrays (several inputs), as opposed to one array (which is also IEnumerable).
    private static bool IsList(object data) => data switch
    {
        Array a => a.GetType().GetElementType() is { } e && !e.IsPrimitive && e != typeof(Half) && !e.IsArray,
        NDArray or HostArray or Tensor => false,
        IEnumerable<NDArray> or IEnumerable<Tensor> or IEnumerable<HostArray> or IEnumerable<Array> or IEnumerable<object> => true,
        _ => false,
    };

    private static Tensor One(object value, string argument)
    {
        if (value is Tensor t)
        {
            if (t.IsSymbolic)
                throw new ArgumentException($"{argument} is a symbolic KerasTensor; Fit/Evaluate/Predict need data (arrays or tensors).", argument);
            return t;
        }
        return KerasBackend.Current.FromNative(value) ?? KerasBackend.Current.FromHost(HostArray.From(value, argument));
    }

    /// <summary>The common number of samples (first dimension) of all tensors; throws naming the mismatch.</summary>
    public static long SampleCount(IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor>? ys)
    {
        var all = xs.Select((t, i) => (t, name: $"x[{i}]")).Concat((ys ?? []).Select((t, i) => (t, name: $"y[{i}]"))).ToArray();
        foreach (var (t, name) in all)
        {
            if (t.Rank == 0)
                throw new ArgumentException($"{name} is a scalar; data needs a first (sample) dimension.");
        }
        var n = all[0].t.Shape[0];
        var bad = all.FirstOrDefault(a => a.t.Shape[0] != n);
        if (bad.t is not null)
        {
            throw new ArgumentException(
                $"Data cardinality is ambiguous: {all[0].name} has {n} samples (shape {all[0].t.Shape}) but {bad.name} has {bad.t.Shape[0]} (shape {bad.t.Shape}). " +
                "Make sure all arrays contain the same number of samples.");
        }
        return n;
    }
}
