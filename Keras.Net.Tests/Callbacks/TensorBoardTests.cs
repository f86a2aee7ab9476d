using System.Buffers.Binary;
using System.Text;
using Keras.Callbacks;
using Keras.Layers;
using Keras.Models;

namespace Keras.Net.Tests.Callbacks;

[TestClass]
public class TensorBoardTests
{
    [TestMethod]
    public void Crc32CMatchesTheStandardCheckValue() =>
        Assert.AreEqual(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));

    [TestMethod]
    public void EventFilesHoldEpochAndBatchScalarsAndHistograms()
    {
        var dir = Directory.CreateTempSubdirectory("keras-net-tb").FullName;
        try
        {
            Utils.SetRandomSeed(6);
            var model = new Sequential([new Dense(3, inputShape: 2, name: "d"), new Dense(1, name: "out")]);
            model.Compile(optimizer: "sgd", loss: "mse", metrics: ["mae"]);
            var x = TestUtil.RandomMatrix(16, 2, 1);
            var y = new float[16];
            var board = new TensorBoard(dir, histogramFreq: 1, updateFreq: "batch");
            var history = model.Fit(x, y, batchSize: 8, epochs: 2, validationSplit: 0.5, verbose: 0, callbacks: [board]);

            var train = ReadEvents(board.EventFiles[0]);
            Assert.AreEqual("brain.Event:2", train[0].FileVersion);
            var epochLoss = train.SelectMany(e => e.Values.Where(v => v.Tag == "epoch_loss").Select(v => (e.Step, v.Scalar))).ToArray();
            CollectionAssert.AreEqual(new long[] { 0, 1 }, epochLoss.Select(p => p.Step).ToArray());
            Assert.AreEqual(history["loss"][1], epochLoss[1].Scalar!.Value, 1e-6);
            Assert.AreEqual(2, train.Count(e => e.Values.Any(v => v.Tag == "batch_loss")), "one batch per epoch on 8 training samples");
            var histogram = train.SelectMany(e => e.Values).First(v => v.Tag == "d/kernel/histogram");
            Assert.AreEqual(6.0, histogram.HistogramCount, "a 2x3 kernel");

            var validation = ReadEvents(board.EventFiles[1]);
            var valLoss = validation.SelectMany(e => e.Values.Where(v => v.Tag == "epoch_loss")).Select(v => v.Scalar!.Value).ToArray();
            Assert.AreEqual(history["val_loss"][0], valLoss[0], 1e-6);
            StringAssert.StartsWith(Path.GetFileName(board.EventFiles[0]), "events.out.tfevents.");
            StringAssert.Contains(board.EventFiles[1], Path.Combine(dir, "validation"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed record Value(string Tag, double? Scalar, double HistogramCount);
    private sealed record Event(double WallTime, long Step, string? FileVersion, List<Value> Values);

    /// <summary>An independent TFRecord + protobuf reader (checks both CRCs of every record).</summary>
    private static List<Event> ReadEvents(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var events = new List<Event>();
        int pos = 0;
        while (pos < bytes.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(pos));
            Assert.AreEqual(Mask(Crc(bytes.AsSpan(pos, 8))), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8)), "length CRC");
            var payload = bytes.AsSpan(pos + 12, length).ToArray();
            Assert.AreEqual(Mask(Crc(payload)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 12 + length)), "data CRC");
            events.Add(ParseEvent(payload));
            pos += 12 + length + 4;
        }
        return events;
    }

    private static uint Crc(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        return ~crc;
    }

    private static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + 0xA282EAD8u);

    private static IEnumerable<(int Field, int Wire, ulong Varint, byte[] Bytes)> Fields(byte[] message)
    {
        int i = 0;
        while (i < message.Length)
        {
            ulong key = ReadVarint(message, ref i);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: yield return (field, wire, ReadVarint(message, ref i), []); break;
                case 1: yield return (field, wire, 0, message[i..(i += 8)]); break;
                case 5: yield return (field, wire, 0, message[i..(i += 4)]); break;
                case 2:
                    int len = (int)ReadVarint(message, ref i);
                    yield return (field, wire, 0, message[i..(i += len)]);
                    break;
                default: throw new InvalidDataException($"wire type {wire}");
            }
        }
    }

    private static ulong ReadVarint(byte[] b, ref int i)
    {
        ulong v = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte x = b[i++];
            v |= (ulong)(x & 0x7F) << shift;
            if (x < 0x80) return v;
        }
    }

    private static Event ParseEvent(byte[] message)
    {
        double wall = 0;
        long step = 0;
        string? version = null;
        var values = new List<Value>();
        foreach (var f in Fields(message))
        {
            if (f.Field == 1) wall = BinaryPrimitives.ReadDoubleLittleEndian(f.Bytes);
            else if (f.Field == 2) step = (long)f.Varint;
            else if (f.Field == 3) version = Encoding.UTF8.GetString(f.Bytes);
            else if (f.Field == 5)
            {
                foreach (var v in Fields(f.Bytes).Where(v => v.Field == 1))
                {
                    string tag = "";
                    double? scalar = null;
                    double count = 0;
                    foreach (var vf in Fields(v.Bytes))
                    {
                        if (vf.Field == 1) tag = Encoding.UTF8.GetString(vf.Bytes);
                        else if (vf.Field == 2) scalar = BinaryPrimitives.ReadSingleLittleEndian(vf.Bytes);
                        else if (vf.Field == 5) count = Fields(vf.Bytes).Where(h => h.Field == 3).Select(h => BinaryPrimitives.ReadDoubleLittleEndian(h.Bytes)).Single();
                    }
                    values.Add(new Value(tag, scalar, count));
                }
            }
        }
        Assert.IsTrue(wall > 1.6e9, "wall time in seconds since the epoch");
        return new Event(wall, step, version, values);
    }
}
