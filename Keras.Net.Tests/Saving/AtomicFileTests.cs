using Keras.Saving;

namespace Keras.Net.Tests.Saving;

/// <summary>
/// <see cref="AtomicFile"/>: failures leave the previous file and no temporary file; stale temporary files of
/// killed writers are removed by the next save of the same target, and nothing else is.
/// </summary>
[TestClass]
public sealed class AtomicFileTests
{
    private string _dir = "";

    [TestInitialize]
    public void Initialize() => _dir = SavingFiles.NewFolder("atomicfile");

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    private string[] Names() => Directory.GetFiles(_dir).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();

    private static byte[] Pattern(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 + seed)).ToArray();

    [TestMethod]
    public void WriterThrowingMidway_LeavesPreviousFileAndNoTemporaryFile()
    {
        var path = Path.Combine(_dir, "model.keras");
        var previous = Pattern(100_000, 7);
        File.WriteAllBytes(path, previous);
        string? tempSeen = null;

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(Pattern(3_000_000, 9)); // more than the old file, so a write in place would have clobbered it
            tempSeen = ((FileStream)stream).Name;
            throw new InvalidOperationException("writer failed halfway");
        }));

        Assert.AreEqual("writer failed halfway", e.Message, "the writer's own exception reaches the caller");
        CollectionAssert.AreEqual(previous, File.ReadAllBytes(path));
        CollectionAssert.AreEqual(new[] { "model.keras" }, Names());
        Assert.IsNotNull(tempSeen);
        Assert.AreEqual(_dir, Path.GetDirectoryName(tempSeen), "the temporary file is in the target's folder (same file system)");
        Assert.IsTrue(AtomicFile.IsTempOf(Path.GetFileName(tempSeen), "model.keras"), Path.GetFileName(tempSeen));
    }

    [TestMethod]
    public void WriterThrowing_WithNoPreviousFile_CreatesNothing()
    {
        var path = Path.Combine(_dir, "new.weights.h5");
        Assert.ThrowsExactly<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(Pattern(1000, 1));
            throw new IOException("disk full (simulated)");
        }));
        Assert.IsEmpty(Names());
    }

    [TestMethod]
    public void Write_ReplacesContentCompletely()
    {
        var path = Path.Combine(_dir, "m.h5");
        File.WriteAllBytes(path, Pattern(50_000, 3));
        var next = Pattern(1234, 5);
        AtomicFile.Write(path, s => s.Write(next));
        CollectionAssert.AreEqual(next, File.ReadAllBytes(path), "a shorter new file leaves no tail of the old one");
        CollectionAssert.AreEqual(new[] { "m.h5" }, Names());
    }

    [TestMethod]
    public void BadTargets_AreRefusedWithTheirPathNamed()
    {
        var missing = Path.Combine(_dir, "no-such-folder", "m.keras");
        var e = Assert.ThrowsExactly<DirectoryNotFoundException>(() => AtomicFile.Write(missing, s => s.WriteByte(1)));
        StringAssert.Contains(e.Message, missing);
        var folder = Path.Combine(_dir, "sub.keras");
        Directory.CreateDirectory(folder);
        var f = Assert.ThrowsExactly<IOException>(() => AtomicFile.Write(folder, s => s.WriteByte(1)));
        StringAssert.Contains(f.Message, "is a folder");
        Assert.IsEmpty(Names());
    }

    [TestMethod]
    public void TempNames_MatchOnlyTheirOwnTarget()
    {
        var nonce = Guid.NewGuid();
        var temp = AtomicFile.TempName("m.keras", 4242, nonce);
        Assert.AreEqual($".m.keras.4242.{nonce:N}.tmp", temp);
        Assert.IsTrue(AtomicFile.IsTempOf(temp, "m.keras"));
        Assert.IsFalse(AtomicFile.IsTempOf(temp, "m"), "target 'm' does not own the temporary files of 'm.keras'");
        Assert.IsFalse(AtomicFile.IsTempOf(temp, "keras"));
        Assert.IsFalse(AtomicFile.IsTempOf(AtomicFile.TempName("m.keras.7", 1, nonce), "m.keras"));
        Assert.IsFalse(AtomicFile.IsTempOf(".m.keras.tmp", "m.keras"));
        Assert.IsFalse(AtomicFile.IsTempOf(".m.keras.12.not-a-guid.tmp", "m.keras"));
        Assert.IsFalse(AtomicFile.IsTempOf($".m.keras.x12.{nonce:N}.tmp", "m.keras"));
        Assert.IsFalse(AtomicFile.IsTempOf($"m.keras.12.{nonce:N}.tmp", "m.keras"), "no leading dot");
        Assert.IsFalse(AtomicFile.IsTempOf($".m.keras.12.{nonce:N}", "m.keras"), "no .tmp suffix");
    }

    [TestMethod]
    public void LongTargetName_StillSavesAndCleansUp()
    {
        var name = new string('m', 230) + ".weights.h5"; // 241 characters: a full-length temporary name would exceed 255
        var path = Path.Combine(_dir, name);
        var temp = AtomicFile.TempName(name, 77, Guid.NewGuid());
        Assert.IsLessThanOrEqualTo(255, temp.Length);
        Assert.IsTrue(AtomicFile.IsTempOf(temp, name));
        File.WriteAllBytes(Path.Combine(_dir, temp), [1]);
        File.SetLastWriteTimeUtc(Path.Combine(_dir, temp), DateTime.UtcNow - AtomicFile.StaleAge - TimeSpan.FromMinutes(1));

        AtomicFile.Write(path, s => s.Write(Pattern(10, 1)));

        CollectionAssert.AreEqual(new[] { name }, Names());
        CollectionAssert.AreEqual(Pattern(10, 1), File.ReadAllBytes(path));
    }

    [TestMethod]
    public void SuccessfulSave_RemovesOnlyStaleTemporaryFilesOfTheSameTarget()
    {
        var path = Path.Combine(_dir, "model.keras");
        var old = DateTime.UtcNow - AtomicFile.StaleAge - TimeSpan.FromMinutes(1);
        string Make(string name, DateTime writtenUtc)
        {
            var full = Path.Combine(_dir, name);
            File.WriteAllBytes(full, Pattern(100, 2));
            File.SetLastWriteTimeUtc(full, writtenUtc);
            return name;
        }

        var staleDead = Make(AtomicFile.TempName("model.keras", 999_999, Guid.NewGuid()), old);
        var staleOwnPid = Make(AtomicFile.TempName("model.keras", Environment.ProcessId, Guid.NewGuid()), old);
        var fresh = Make(AtomicFile.TempName("model.keras", 999_998, Guid.NewGuid()), DateTime.UtcNow); // maybe a live writer
        var otherTarget = Make(AtomicFile.TempName("other.keras", 999_999, Guid.NewGuid()), old);
        var lookalike = Make(".model.keras.backup.tmp", old);
        var userFile = Make("notes.tmp", old);

        AtomicFile.Write(path, s => s.Write(Pattern(10, 1)));

        var left = Names();
        CollectionAssert.DoesNotContain(left, staleDead);
        CollectionAssert.DoesNotContain(left, staleOwnPid);
        CollectionAssert.AreEquivalent(new[] { "model.keras", fresh, otherTarget, lookalike, userFile }, left);

        // A failed save does not clean up: only a completed one does.
        var staleAgain = Make(AtomicFile.TempName("model.keras", 999_997, Guid.NewGuid()), old);
        Assert.ThrowsExactly<InvalidOperationException>(() => AtomicFile.Write(path, _ => throw new InvalidOperationException("no")));
        CollectionAssert.Contains(Names(), staleAgain);
    }

    [TestMethod]
    public void SymbolicLinkTarget_ReplacesTheFileItPointsTo()
    {
        var real = Path.Combine(_dir, "run-5.keras");
        File.WriteAllBytes(real, Pattern(10, 1));
        var link = Path.Combine(_dir, "latest.keras");
        File.CreateSymbolicLink(link, real);

        var next = Pattern(20, 2);
        AtomicFile.Write(link, s => s.Write(next));

        Assert.IsNotNull(new FileInfo(link).LinkTarget, "the link is kept");
        CollectionAssert.AreEqual(next, File.ReadAllBytes(real));
        CollectionAssert.AreEquivalent(new[] { "latest.keras", "run-5.keras" }, Names());
    }

    [TestMethod]
    public void PermissionsOfTheReplacedFileCarryOver()
    {
        if (OperatingSystem.IsWindows())
        {
            // Windows files carry ACLs, not mode bits: the rename keeps the folder's inherited ACL. Check the write itself.
            var p = Path.Combine(_dir, "w.keras");
            AtomicFile.Write(p, s => s.WriteByte(1));
            Assert.AreEqual(1, new FileInfo(p).Length);
            return;
        }
        var path = Path.Combine(_dir, "private.weights.h5");
        File.WriteAllBytes(path, Pattern(10, 1));
        const UnixFileMode privateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        File.SetUnixFileMode(path, privateMode);
        AtomicFile.Write(path, s => s.Write(Pattern(10, 4)));
        Assert.AreEqual(privateMode, File.GetUnixFileMode(path));
    }
}
