using TorchSharp;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;

namespace Keras.Backend.Torch;

internal sealed partial class TorchBackend
{
    // libtorch's LSTM runs the whole time loop in C++ (with oneDNN's fused kernel where available), several
    // times faster than one runtime call per gate per step. Its gate order (i, f, g, o) and formulas are
    // Keras's; it keeps weights as (4·units, features) with two biases, so the Keras weights are copied into
    // a module of that layout and the gradients mapped back by a custom autograd function.
    public (Tensor Outputs, Tensor H, Tensor C)? FusedLstm(Tensor inputs, Tensor h0, Tensor c0, Tensor kernel, Tensor recurrentKernel, Tensor? bias)
    {
        TT x = T(inputs), h = T(h0), c = T(c0), k = T(kernel), rk = T(recurrentKernel);
        var b = bias is null ? null : T(bias);
        bool needsGrad = torch.is_grad_enabled() && new[] { x, h, c, k, rk, b }.Any(t => t is not null && t.requires_grad);
        if (!needsGrad)
        {
            using var scope = torch.NewDisposeScope();
            using var module = LstmModule(k, rk, b);
            var (y, hT, cT) = module.call(x, (h.unsqueeze(0), c.unsqueeze(0)));
            return (W(y.MoveToOuterDisposeScope()), W(hT.squeeze(0).MoveToOuterDisposeScope()), W(cT.squeeze(0).MoveToOuterDisposeScope()));
        }
        var outs = FusedLstmFunction.apply(x, h, c, k, rk, b ?? torch.zeros(rk.shape[1], rk.dtype, rk.device));
        return (W(outs[0]), W(outs[1]), W(outs[2]));
    }

    /// <summary>A libtorch LSTM module holding a copy of the Keras weights (transposed; the second bias zero).</summary>
    private static TorchSharp.Modules.LSTM LstmModule(TT kernel, TT recurrentKernel, TT? bias)
    {
        long features = kernel.shape[0], units = recurrentKernel.shape[0];
        var module = torch.nn.LSTM(features, units, batchFirst: true, device: kernel.device, dtype: kernel.dtype);
        var p = module.parameters().ToArray(); // weight_ih, weight_hh, bias_ih, bias_hh
        using (torch.no_grad())
        {
            using var kernelT = kernel.t();
            using var recurrentT = recurrentKernel.t();
            p[0].copy_(kernelT);
            p[1].copy_(recurrentT);
            if (bias is null) p[2].zero_();
            else p[2].copy_(bias);
            p[3].zero_();
        }
        return module;
    }

    /// <summary>
    /// Runs the module on detached copies of its inputs, keeping that inner graph; the backward pass
    /// differentiates it and returns the gradients in Keras's layout.
    /// </summary>
    private sealed class FusedLstmFunction : torch.autograd.MultiTensorFunction<FusedLstmFunction>
    {
        public override string Name => "KerasFusedLstm";

        public override List<TT> forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            TT x = (TT)vars[0], h0 = (TT)vars[1], c0 = (TT)vars[2], kernel = (TT)vars[3], rk = (TT)vars[4], bias = (TT)vars[5];
            var module = LstmModule(kernel, rk, bias);
            // Unused outputs (often h and c) get no gradient; backward fills in zeros itself.
            ctx.set_materialize_grads(false);
            using var grad = torch.enable_grad();
            var xi = x.detach().requires_grad_();
            using var hDetached = h0.detach();
            using var cDetached = c0.detach();
            var hi = hDetached.unsqueeze(0).requires_grad_();
            var ci = cDetached.unsqueeze(0).requires_grad_();
            var (y, hT, cT) = module.call(xi, (hi, ci));
            // TorchSharp frees what forward creates when it returns; the inner graph must live until backward.
            var weights = module.parameters().Take(3).ToArray();
            foreach (var t in new[] { xi, hi, ci, y, hT, cT }.Concat(weights)) t.DetachFromDisposeScope();
            ctx.save_data(nameof(Inner), new Inner(module, [y, hT, cT], [xi, hi, ci, .. weights]));
            using var hLast = hT.squeeze(0);
            using var cLast = cT.squeeze(0);
            return [y.detach(), hLast.detach(), cLast.detach()];
        }

        public override List<TT> backward(torch.autograd.AutogradContext ctx, List<TT> grads)
        {
            var inner = (Inner)ctx.get_data(nameof(Inner));
            try
            {
                // Everything made here besides the returned gradients is freed before returning: backward runs
                // inside the autograd engine, outside the caller's tensor scope.
                var outputGrads = new TT[3];
                var made = new List<TT>();
                for (int i = 0; i < 3; i++)
                {
                    var given = i < grads.Count ? grads[i] : null;
                    if (given is not null && !given.IsInvalid && i == 0)
                    {
                        outputGrads[i] = given;
                        continue;
                    }
                    outputGrads[i] = given is null || given.IsInvalid ? torch.zeros_like(inner.Outputs[i]) : given.unsqueeze(0);
                    made.Add(outputGrads[i]);
                    // An output without a gradient arrives as an empty wrapper, which is ours to release.
                    if (given is { IsInvalid: true }) made.Add(given);
                }
                var g = torch.autograd.grad(inner.Outputs, inner.Sources, outputGrads);
                // x, h0, c0, kernel, recurrent kernel, bias (bias_ih; bias_hh gets the same gradient and is fixed at 0).
                List<TT> result = [g[0], g[1].squeeze(0), g[2].squeeze(0), g[3].t(), g[4].t(), g[5]];
                made.AddRange([g[1], g[2], g[3], g[4]]);
                foreach (var t in made) t.Dispose();
                return result;
            }
            finally
            {
                foreach (var t in inner.Outputs.Concat(inner.Sources)) t.Dispose();
                inner.Module.Dispose();
            }
        }

        private sealed record Inner(TorchSharp.Modules.LSTM Module, IList<TT> Outputs, IList<TT> Sources);
    }
}
