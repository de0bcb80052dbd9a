namespace PSVmm.Engine.Devices.Block.Device;

/// <summary>
/// A chain that is not a virtio-blk request at all (no room for the header or the status byte):
/// the device cannot even report an error in it, so it marks itself NEEDS_RESET.
/// </summary>
public sealed class BlockRequestException(string message) : Exception(message);
