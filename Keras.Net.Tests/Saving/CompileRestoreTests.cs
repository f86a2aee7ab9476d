using Keras.Layers;
using Keras.Losses;
using Keras.Models;
using Keras.Optimizers;
using Keras.Optimizers.Schedules;

namespace Keras.Net.Tests.Saving;

[TestClass]
public class CompileRestoreTests
{
    [TestMethod]
    public void SchedulesEmaNewerOptimizersAndLossOptionsSurviveASave()
    {
        var dir = Directory.CreateTempSubdirectory("keras-net-compile").FullName;
        try
        {
            Utils.SetRandomSeed(3);
            var model = new Sequential([new Dense(3, inputShape: 2)]);
            var schedule = new ExponentialDecay(0.01, decaySteps: 10, decayRate: 0.5);
            model.Compile(optimizer: new Nadam(schedule, useEma: true), loss: new CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1), metrics: ["accuracy"]);
            foreach (var file in new[] { "m.keras", "m.h5" })
            {
                var path = Path.Combine(dir, file);
                model.SaveModel(path);
                var loaded = Model.Load(path);
                Assert.IsTrue(loaded.IsCompiled, $"{file}: compiled state restored");
                var optimizer = (Nadam)loaded.Optimizer!;
                Assert.AreEqual(schedule.GetConfig().ToJsonString(), optimizer.GetConfig()["learning_rate"]!["config"]!.ToJsonString(), $"{file}: schedule");
                Assert.IsTrue(optimizer.UseEma, $"{file}: EMA");
                var x = new float[,] { { 1, 2 }, { 3, 4 } };
                var y = new float[,] { { 1, 0, 0 }, { 0, 0, 1 } };
                Assert.AreEqual(model.Evaluate(x, y)["loss"], loaded.Evaluate(x, y)["loss"], 1e-6, $"{file}: the same loss (logits, smoothing)");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
