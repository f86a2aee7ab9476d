using Keras.Data;
using PureHDF;

namespace Keras.Saving.Hdf5;

/// <summary>Host arrays as PureHDF datasets (contiguous, the array's dtype, scalars as HDF5 scalars).</summary>
internal static class H5Data
{
    public static H5Dataset Dataset(HostArray array)
    {
        var dims = array.Shape.Select(d => (ulong)d).ToArray();
        // bfloat16/float16 have no portable HDF5 type here; Keras stores such variables as float32 too.
        var data = array.DType is DType.BFloat16 or DType.Float16 ? array.AsType(DType.Float32).Data : array.Data;
        if (array.DType == DType.Bool) data = array.AsType(DType.UInt8).Data;
        return new H5Dataset(data, fileDims: dims);
    }
}
