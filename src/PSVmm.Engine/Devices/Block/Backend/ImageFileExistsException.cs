namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>A new image file was to be created where a file already exists, and overwriting it was not asked for.</summary>
internal sealed class ImageFileExistsException(string path) : IOException($"'{path}' already exists.")
{
    public string Path { get; } = path;
}
