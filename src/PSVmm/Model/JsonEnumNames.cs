using Newtonsoft.Json;
using Newtonsoft.Json.Converters;
using PSVmm.Engine.Machine;

namespace PSVmm.Model;

/// <summary>
/// Makes ConvertTo-Json write the enums of PSVmm's objects by name ("State": "Running"), as
/// -EnumsAsStrings would. ConvertTo-Json serializes with Newtonsoft.Json, whose serializers start
/// from <see cref="JsonConvert.DefaultSettings"/>: one converter is added there, for the enum types
/// of PSVmm's own assemblies only, on top of whatever defaults were set before.
/// </summary>
internal static class JsonEnumNames
{
    private static readonly PSVmmEnumConverter Converter = new();
    private static int s_installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref s_installed, 1) != 0)
            return;
        var previous = JsonConvert.DefaultSettings;
        JsonConvert.DefaultSettings = () =>
        {
            var settings = previous?.Invoke() ?? new JsonSerializerSettings();
            if (!settings.Converters.Contains(Converter))
                settings.Converters.Add(Converter);
            return settings;
        };
    }

    private sealed class PSVmmEnumConverter : StringEnumConverter
    {
        public override bool CanConvert(Type objectType)
        {
            var type = Nullable.GetUnderlyingType(objectType) ?? objectType;
            return type.IsEnum && (type.Assembly == typeof(JsonEnumNames).Assembly || type.Assembly == typeof(VmState).Assembly);
        }
    }
}
