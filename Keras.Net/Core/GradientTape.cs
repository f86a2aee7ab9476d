using Keras.Backend;

namespace Keras;

/// <summary>
/// Computes gradients for custom training loops (Keras/TensorFlow's <c>GradientTape</c>):
/// <code>
/// using var scope = Ops.Scope();
/// var tape = new GradientTape();
/// var loss = lossFn.Compute(y, model.Apply(x, training: true));
/// var grads = tape.Gradient(loss, model.TrainableWeights);
/// optimizer.ApplyGradients(grads, model.TrainableWeights);
/// </code>
/// The runtime records operations on trainable variables as they happen, so the tape only names
/// the point where gradients are taken; tensors it returns belong to the enclosing
/// <see cref="Ops.Scope"/>. Gradients of inputs can be taken after <see cref="Watch"/>.
/// Like a scope, a tape is used on one thread, with no <c>await</c> between the forward pass and
/// <see cref="Gradient(Tensor, IReadOnlyList{Variable})"/>.
/// </summary>
public sealed class GradientTape : IDisposable
{
    private bool _used;

    /// <summary>Creates a tape; a non-persistent tape allows one <see cref="Gradient(Tensor, IReadOnlyList{Variable})"/> call.</summary>
    public GradientTape(bool persistent = false) => Persistent = persistent;

    /// <summary>Whether several gradient calls are allowed.</summary>
    public bool Persistent { get; }

    /// <summary>Starts recording operations on <paramref name="tensor"/> (returns the watched tensor to compute with).</summary>
    public Tensor Watch(Tensor tensor) => KerasBackend.Current.Watch(tensor);

    /// <summary>Gradients of the scalar <paramref name="target"/> with respect to each variable (zeros where unconnected).</summary>
    public Tensor[] Gradient(Tensor target, IReadOnlyList<Variable> sources) =>
        Gradient(target, sources.Select(v => v.Value).ToArray());

    /// <summary>Gradients of the scalar <paramref name="target"/> with respect to watched tensors or variable values.</summary>
    public Tensor[] Gradient(Tensor target, IReadOnlyList<Tensor> sources)
    {
        if (_used && !Persistent)
            throw new InvalidOperationException("A non-persistent GradientTape can compute gradients only once; create it with persistent: true to call Gradient again.");
        if (target.Shape.Rank != 0 && target.Shape.Size != 1)
            throw new ArgumentException($"GradientTape.Gradient needs a scalar target; got shape {target.Shape}. Reduce it first (e.g. Ops.Mean).", nameof(target));
        _used = true;
        return KerasBackend.Current.Gradients(target, sources, retainGraph: Persistent);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Nothing is held: the runtime frees the recorded graph with the tensors of the enclosing scope.
    }
}
