using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Models;
using Keras.Saving;

namespace Keras.Net.Tests.Saving;

[TestClass]
public class CustomObjectTests
{
    /// <summary>A user's layer: a learned scale per feature, with its own config entry.</summary>
    public sealed class ScaleByFactor : Layer
    {
        private Variable? _factor;

        public ScaleByFactor(double initial = 1.0, string? name = null) : base(name) => Initial = initial;

        public double Initial { get; }

        public override void Build(Shape inputShape) =>
            _factor = AddWeight("factor", new Shape(inputShape[-1]), new Keras.Initializers.Constant(Initial));

        protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) => Ops.Multiply(inputs, _factor!);

        public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

        public override JsonObject GetConfig()
        {
            var c = base.GetConfig();
            c["initial"] = Initial;
            return c;
        }

        public static ScaleByFactor FromConfig(JsonObject config)
        {
            var c = new ConfigReader(config, nameof(ScaleByFactor));
            return new ScaleByFactor(c.Double("initial", 1.0), c.String("name"));
        }
    }

    [TestMethod]
    public void ACustomLayerLoadsOnceItsClassIsRegistered()
    {
        var dir = Directory.CreateTempSubdirectory("keras-net-custom").FullName;
        try
        {
            Utils.SetRandomSeed(2);
            var model = new Sequential([new Dense(3, inputShape: 2), new ScaleByFactor(0.5, name: "scale")]);
            var path = Path.Combine(dir, "custom.keras");
            model.SaveModel(path);
            var x = TestUtil.RandomMatrix(4, 2, 1);

            // Custom classes are unknown until registered (as in Keras without custom_objects).
            if (!KerasObjects.LayerClassNames.Contains(nameof(ScaleByFactor)))
            {
                var e = Assert.ThrowsExactly<UnknownLayerClassException>(() => Model.Load(path));
                StringAssert.Contains(e.Message, nameof(ScaleByFactor));
            }

            KerasObjects.RegisterLayer<ScaleByFactor>();
            var loaded = Model.Load(path);
            Assert.IsInstanceOfType<ScaleByFactor>(loaded.Layers[^1]);
            Assert.AreEqual(0.5, ((ScaleByFactor)loaded.Layers[^1]).Initial);
            CollectionAssert.AreEqual(TestUtil.Flat(model.Predict(x)), TestUtil.Flat(loaded.Predict(x)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
