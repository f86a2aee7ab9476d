namespace Keras.Losses;

/// <summary>
/// Keras's loss functions (<c>keras.losses.huber</c>, <c>log_cosh</c>, …): per-sample values, the last
/// axis reduced unless stated. Targets are cast to the predictions' dtype and their ranks aligned as
/// Keras's <c>LossFunctionWrapper</c> does. The loss classes and the metrics of the same name use these.
/// </summary>
public static class LossFunctions
{
    private const double Epsilon = 1e-7;

    private static Tensor Const(double value, Tensor like) => Ops.Scalar(value, like.DType);

    private static Tensor OneMinus(Tensor x) => Ops.Add(Ops.Negative(x), 1.0);

    /// <summary><c>100 * mean(|(t - p) / max(|t|, epsilon)|)</c> (Keras's <c>mean_absolute_percentage_error</c>).</summary>
    public static Tensor MeanAbsolutePercentageError(Tensor yTrue, Tensor yPred)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "MeanAbsolutePercentageError");
        var diff = Ops.Abs(Ops.Divide(Ops.Subtract(t, p), Ops.Maximum(Ops.Abs(t), Const(Epsilon, t))));
        return Ops.Multiply(Ops.Mean(diff, -1), 100.0);
    }

    /// <summary><c>mean((log(max(p, eps) + 1) - log(max(t, eps) + 1))²)</c> (Keras's <c>mean_squared_logarithmic_error</c>).</summary>
    public static Tensor MeanSquaredLogarithmicError(Tensor yTrue, Tensor yPred)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "MeanSquaredLogarithmicError");
        var first = Ops.Log(Ops.Add(Ops.Maximum(p, Const(Epsilon, p)), 1.0));
        var second = Ops.Log(Ops.Add(Ops.Maximum(t, Const(Epsilon, t)), 1.0));
        return Ops.Mean(Ops.Square(Ops.Subtract(first, second)), -1);
    }

    /// <summary>
    /// The Huber loss (Keras's <c>huber</c>): with <c>e = p - t</c>, <c>0.5 e²</c> where <c>|e| &lt;= delta</c>,
    /// else <c>delta |e| - 0.5 delta²</c>, averaged over the last axis.
    /// </summary>
    public static Tensor Huber(Tensor yTrue, Tensor yPred, double delta = 1.0)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "Huber");
        var error = Ops.Subtract(p, t);
        var absError = Ops.Abs(error);
        var quadratic = Ops.Multiply(Ops.Square(error), 0.5);
        var linear = Ops.Add(Ops.Multiply(absError, delta), -0.5 * delta * delta);
        return Ops.Mean(Ops.Where(Ops.GreaterEqual(Const(delta, absError), absError), quadratic, linear), -1);
    }

    /// <summary>
    /// <c>mean(log(cosh(p - t)))</c>, computed stably as <c>x + softplus(-2x) - log 2</c> (Keras's <c>log_cosh</c>).
    /// </summary>
    public static Tensor LogCosh(Tensor yTrue, Tensor yPred)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "LogCosh");
        var x = Ops.Subtract(p, t);
        var logCosh = Ops.Add(Ops.Add(x, Ops.Softplus(Ops.Multiply(x, -2.0))), -Math.Log(2.0));
        return Ops.Mean(logCosh, -1);
    }

    /// <summary>
    /// <c>sum(t * log(t / p))</c> with both clipped to <c>[epsilon, 1]</c> (Keras's <c>kl_divergence</c>).
    /// </summary>
    public static Tensor KLDivergence(Tensor yTrue, Tensor yPred)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "KLDivergence");
        t = Ops.Clip(t, Epsilon, 1.0);
        p = Ops.Clip(p, Epsilon, 1.0);
        return Ops.Sum(Ops.Multiply(t, Ops.Log(Ops.Divide(t, p))), -1);
    }

    /// <summary><c>mean(p - t * log(p + epsilon))</c> (Keras's <c>poisson</c>).</summary>
    public static Tensor Poisson(Tensor yTrue, Tensor yPred)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "Poisson");
        return Ops.Mean(Ops.Subtract(p, Ops.Multiply(t, Ops.Log(Ops.Add(p, Epsilon)))), -1);
    }

    /// <summary>
    /// Keras's L2 normalization (<c>ops.normalize</c>): <c>x * min(1 / sqrt(sum(x², axis)), 1 / epsilon)</c>,
    /// so a zero vector stays zero.
    /// </summary>
    public static Tensor L2Normalize(Tensor x, int axis = -1)
    {
        var inv = Ops.Divide(Const(1.0, x), Ops.Sqrt(Ops.Sum(Ops.Square(x), axis, keepDims: true)));
        return Ops.Multiply(x, Ops.Minimum(inv, Const(1.0 / Epsilon, x)));
    }

    /// <summary>
    /// The cosine similarity of L2-normalized targets and predictions along <paramref name="axis"/>
    /// (positive; Keras's metric <c>cosine_similarity</c>). The loss is its negative.
    /// </summary>
    public static Tensor CosineSimilarity(Tensor yTrue, Tensor yPred, int axis = -1)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "CosineSimilarity");
        return Ops.Sum(Ops.Multiply(L2Normalize(t, axis), L2Normalize(p, axis)), axis);
    }

    /// <summary>
    /// Keras's <c>convert_binary_labels_to_hinge</c>: when every target is 0 or 1 they become -1 and 1
    /// (<c>2t - 1</c>); otherwise they are used as given.
    /// </summary>
    public static Tensor BinaryLabelsToHinge(Tensor yTrue)
    {
        if (yTrue.Shape.Size == 0) return yTrue;
        var isZeroOrOne = Ops.Add(
            Ops.Cast(Ops.Equal(yTrue, Const(0.0, yTrue)), yTrue.DType),
            Ops.Cast(Ops.Equal(yTrue, Const(1.0, yTrue)), yTrue.DType));
        var allBinary = Ops.Greater(Ops.Min(isZeroOrOne), Const(0.5, yTrue));
        return Ops.Where(allBinary, Ops.Add(Ops.Multiply(yTrue, 2.0), -1.0), yTrue);
    }

    /// <summary><c>mean(max(1 - t p, 0))</c> with 0/1 targets mapped to -1/1 (Keras's <c>hinge</c>).</summary>
    public static Tensor Hinge(Tensor yTrue, Tensor yPred)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "Hinge");
        t = BinaryLabelsToHinge(t);
        return Ops.Mean(Ops.Maximum(OneMinus(Ops.Multiply(t, p)), Const(0.0, p)), -1);
    }

    /// <summary><c>mean(max(1 - t p, 0)²)</c> with 0/1 targets mapped to -1/1 (Keras's <c>squared_hinge</c>).</summary>
    public static Tensor SquaredHinge(Tensor yTrue, Tensor yPred)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "SquaredHinge");
        t = BinaryLabelsToHinge(t);
        return Ops.Mean(Ops.Square(Ops.Maximum(OneMinus(Ops.Multiply(t, p)), Const(0.0, p))), -1);
    }

    /// <summary>
    /// <c>max(neg - pos + 1, 0)</c> with <c>pos = sum(t p)</c> and <c>neg = max((1 - t) p)</c> over the last
    /// axis (Keras's <c>categorical_hinge</c>).
    /// </summary>
    public static Tensor CategoricalHinge(Tensor yTrue, Tensor yPred)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "CategoricalHinge");
        var pos = Ops.Sum(Ops.Multiply(t, p), -1);
        var neg = Ops.Max(Ops.Multiply(OneMinus(t), p), -1);
        return Ops.Maximum(Ops.Add(Ops.Subtract(neg, pos), 1.0), Const(0.0, p));
    }

    /// <summary>
    /// The binary focal cross-entropy (Keras's <c>binary_focal_crossentropy</c>): the binary cross-entropy of
    /// (smoothed) targets and probabilities (sigmoid of logits with <paramref name="fromLogits"/>, clipped to
    /// <c>[eps, 1 - eps]</c>), times <c>(1 - p_t)^gamma</c> with <c>p_t = t p + (1 - t)(1 - p)</c>, and with
    /// <paramref name="applyClassBalancing"/> times <c>t alpha + (1 - t)(1 - alpha)</c>; the mean over <paramref name="axis"/>.
    /// </summary>
    public static Tensor BinaryFocalCrossentropy(Tensor yTrue, Tensor yPred, bool applyClassBalancing = false, double alpha = 0.25,
        double gamma = 2.0, bool fromLogits = false, double labelSmoothing = 0.0, int axis = -1)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "BinaryFocalCrossentropy", sameShape: true);
        if (labelSmoothing > 0) t = Ops.Add(Ops.Multiply(t, 1.0 - labelSmoothing), 0.5 * labelSmoothing);
        if (fromLogits) p = Ops.Sigmoid(p);
        var clipped = Ops.Clip(p, Epsilon, 1.0 - Epsilon);
        var bce = Ops.Negative(Ops.Add(
            Ops.Multiply(t, Ops.Log(clipped)),
            Ops.Multiply(OneMinus(t), Ops.Log(OneMinus(clipped)))));
        var pT = Ops.Add(Ops.Multiply(t, p), Ops.Multiply(OneMinus(t), OneMinus(p)));
        var focal = Ops.Multiply(Ops.Power(OneMinus(pT), gamma), bce);
        if (applyClassBalancing)
        {
            var weight = Ops.Add(Ops.Multiply(t, alpha), Ops.Multiply(OneMinus(t), 1.0 - alpha));
            focal = Ops.Multiply(weight, focal);
        }
        return Ops.Mean(focal, axis);
    }

    /// <summary>
    /// The categorical focal cross-entropy (Keras's <c>categorical_focal_crossentropy</c>): with
    /// <c>o</c> the probabilities (softmax of logits with <paramref name="fromLogits"/>) normalized to sum 1 and
    /// clipped to <c>[eps, 1 - eps]</c>, <c>sum(alpha (1 - o)^gamma * -t log o)</c> over <paramref name="axis"/>.
    /// <paramref name="alpha"/> is one weight, or one per class (the last axis).
    /// </summary>
    public static Tensor CategoricalFocalCrossentropy(Tensor yTrue, Tensor yPred, IReadOnlyList<double> alpha, double gamma = 2.0,
        bool fromLogits = false, double labelSmoothing = 0.0, int axis = -1)
    {
        if (yPred.Rank < 1) throw new ArgumentException($"CategoricalFocalCrossentropy: predictions must be at least rank 1; got shape {yPred.Shape}.");
        var (t, p) = LossUtils.SqueezeOrExpand(Ops.Cast(yTrue, yPred.DType), yPred);
        if (!t.Shape.Equals(p.Shape))
        {
            throw new ArgumentException(
                $"CategoricalFocalCrossentropy: targets of shape {yTrue.Shape} do not match predictions of shape {yPred.Shape}; use one-hot targets.");
        }
        if (labelSmoothing > 0) t = Ops.Add(Ops.Multiply(t, 1.0 - labelSmoothing), labelSmoothing / t.Shape[-1]);
        if (fromLogits) p = Ops.Softmax(p, axis);
        var output = Ops.Divide(p, Ops.Sum(p, axis, keepDims: true));
        output = Ops.Clip(output, Epsilon, 1.0 - Epsilon);
        var cce = Ops.Multiply(Ops.Negative(t), Ops.Log(output));
        var modulating = Ops.Power(OneMinus(output), gamma);
        Tensor weighting;
        if (alpha.Count == 1)
        {
            weighting = Ops.Multiply(modulating, alpha[0]);
        }
        else
        {
            if (alpha.Count != p.Shape[-1])
                throw new ArgumentException($"CategoricalFocalCrossentropy: alpha has {alpha.Count} entries but the predictions have {p.Shape[-1]} classes.");
            var a = Ops.Cast(Ops.Constant(alpha.Select(x => (float)x).ToArray(), new Shape(alpha.Count)), p.DType);
            weighting = Ops.Multiply(modulating, a);
        }
        return Ops.Sum(Ops.Multiply(weighting, cce), axis);
    }

    /// <summary>
    /// The Dice loss (Keras's <c>dice</c>): <c>1 - 2 sum(t p) / (sum(t) + sum(p) + epsilon)</c>, the sums over
    /// <paramref name="axis"/> (all axes when null, giving one value for the whole batch).
    /// </summary>
    public static Tensor Dice(Tensor yTrue, Tensor yPred, int[]? axis = null)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "Dice");
        var intersection = Ops.Sum(Ops.Multiply(t, p), axis);
        var dice = Ops.Divide(Ops.Multiply(intersection, 2.0), Ops.Add(Ops.Add(Ops.Sum(t, axis), Ops.Sum(p, axis)), Epsilon));
        return OneMinus(dice);
    }

    /// <summary>
    /// The Tversky loss (Keras's <c>tversky</c>): <c>1 - I / (I + alpha sum((1 - p) t) + beta sum(p (1 - t)) + epsilon)</c>
    /// with <c>I = sum(t p)</c>, the sums over <paramref name="axis"/> (all axes when null).
    /// </summary>
    public static Tensor Tversky(Tensor yTrue, Tensor yPred, double alpha = 0.5, double beta = 0.5, int[]? axis = null)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "Tversky");
        var intersection = Ops.Sum(Ops.Multiply(t, p), axis);
        var fp = Ops.Sum(Ops.Multiply(OneMinus(p), t), axis);
        var fn = Ops.Sum(Ops.Multiply(p, OneMinus(t)), axis);
        var denominator = Ops.Add(Ops.Add(Ops.Add(intersection, Ops.Multiply(fp, alpha)), Ops.Multiply(fn, beta)), Epsilon);
        return OneMinus(Ops.Divide(intersection, denominator));
    }
}
