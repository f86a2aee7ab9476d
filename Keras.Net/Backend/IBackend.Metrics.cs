namespace Keras.Backend;

public partial interface IBackend
{
    /// <summary>The <paramref name="k"/> largest entries along the last axis (largest first, ties by lower index) and their int64 indices.</summary>
    (Tensor Values, Tensor Indices) TopK(Tensor x, int k);
}
