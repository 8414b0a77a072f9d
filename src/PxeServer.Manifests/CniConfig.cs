using System.Text;
using System.Text.Json;

namespace PxeServer.Manifests;

/// <summary>
/// Builds the CNI network-configuration list that goes into a NetworkAttachmentDefinition's
/// <c>spec.config</c>. Serialised with <see cref="Utf8JsonWriter"/>, never by string concatenation, so a bridge
/// or NAD name can never break the JSON.
/// </summary>
internal static class CniConfig
{
    /// <summary>Spec version every plugin release (and every OpenShift version) supports; the one the OpenShift PXE procedure uses.</summary>
    public const string CniVersion = "0.3.1";

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Indented = true,
        IndentSize = 2,
        NewLine = "\n",
    };

    /// <summary>The bridge plugin's name for <paramref name="flavor"/>.</summary>
    public static string BridgePluginType(NadFlavor flavor) => flavor == NadFlavor.OpenshiftLegacy ? "cnv-bridge" : "bridge";

    /// <summary>The tuning plugin's name for <paramref name="flavor"/>.</summary>
    public static string TuningPluginType(NadFlavor flavor) => flavor == NadFlavor.OpenshiftLegacy ? "cnv-tuning" : "tuning";

    /// <summary>
    /// The configuration list: the bridge plugin (access port on <paramref name="vlan"/>) followed by the tuning
    /// plugin, which applies the VM's custom MAC (passed by Multus in CNI_ARGS).
    /// </summary>
    /// <remarks>
    /// <c>macspoofchk</c> and <c>preserveDefaultVlan</c> are written explicitly for both flavours: the first must be
    /// off because tuning changes the MAC after the bridge plugin would have pinned it, and the second changed its
    /// default from true to false in plugins v1.8.0 (cni-plugins.json). cnv-bridge is the same binary under
    /// another name; releases older than the keys ignore them (Go's decoder skips unknown keys).
    /// </remarks>
    public static string Build(string name, string bridge, int vlan, NadFlavor flavor)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            json.WriteStartObject();
            json.WriteString("cniVersion", CniVersion);
            json.WriteString("name", name);
            json.WriteStartArray("plugins");

            json.WriteStartObject();
            json.WriteString("type", BridgePluginType(flavor));
            json.WriteString("bridge", bridge);
            json.WriteNumber("vlan", vlan);
            json.WriteBoolean("macspoofchk", false);
            json.WriteBoolean("preserveDefaultVlan", false);
            json.WriteEndObject();

            json.WriteStartObject();
            json.WriteString("type", TuningPluginType(flavor));
            json.WriteEndObject();

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
