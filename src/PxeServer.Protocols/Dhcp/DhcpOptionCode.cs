namespace PxeServer.Protocols.Dhcp;

/// <summary>DHCP option codes (RFC 2132 and the PXE-related RFCs) that this server reads or writes.</summary>
public enum DhcpOptionCode : byte
{
    /// <summary>0: padding (RFC 2132 §3.1), no length byte.</summary>
    Pad = 0,

    /// <summary>1: subnet mask.</summary>
    SubnetMask = 1,

    /// <summary>3: routers.</summary>
    Router = 3,

    /// <summary>6: DNS servers.</summary>
    DomainNameServer = 6,

    /// <summary>12: host name.</summary>
    HostName = 12,

    /// <summary>15: domain name.</summary>
    DomainName = 15,

    /// <summary>28: broadcast address.</summary>
    BroadcastAddress = 28,

    /// <summary>43: vendor-specific information (PXE sub-options when option 60 is <c>PXEClient</c>).</summary>
    VendorSpecific = 43,

    /// <summary>50: requested IP address.</summary>
    RequestedAddress = 50,

    /// <summary>51: lease time, seconds.</summary>
    LeaseTime = 51,

    /// <summary>52: option overload (1 = file, 2 = sname, 3 = both), RFC 2132 §9.3.</summary>
    Overload = 52,

    /// <summary>53: DHCP message type.</summary>
    MessageType = 53,

    /// <summary>54: server identifier.</summary>
    ServerIdentifier = 54,

    /// <summary>55: parameter request list.</summary>
    ParameterRequestList = 55,

    /// <summary>56: message (text, in a NAK).</summary>
    Message = 56,

    /// <summary>57: maximum DHCP message size.</summary>
    MaxMessageSize = 57,

    /// <summary>58: renewal time (T1).</summary>
    RenewalTime = 58,

    /// <summary>59: rebinding time (T2).</summary>
    RebindingTime = 59,

    /// <summary>60: vendor class identifier (<c>PXEClient:Arch:00007:UNDI:003000</c>, <c>HTTPClient:...</c>).</summary>
    VendorClassIdentifier = 60,

    /// <summary>61: client identifier.</summary>
    ClientIdentifier = 61,

    /// <summary>66: TFTP server name.</summary>
    TftpServerName = 66,

    /// <summary>67: boot file name.</summary>
    BootFileName = 67,

    /// <summary>77: user class (RFC 3004); iPXE sends <c>iPXE</c>.</summary>
    UserClass = 77,

    /// <summary>82: relay agent information (RFC 3046), echoed unchanged.</summary>
    RelayAgentInformation = 82,

    /// <summary>93: client system architecture (RFC 4578).</summary>
    ClientArchitecture = 93,

    /// <summary>94: client network interface identifier (RFC 4578).</summary>
    ClientNetworkInterface = 94,

    /// <summary>97: client machine identifier, UUID/GUID (RFC 4578).</summary>
    ClientMachineId = 97,

    /// <summary>175: iPXE encapsulated options (present only in iPXE's requests).</summary>
    IpxeEncapsulated = 175,

    /// <summary>255: end of options.</summary>
    End = 255,
}

/// <summary>Option 53 values (RFC 2132 §9.6).</summary>
public enum DhcpMessageType : byte
{
    /// <summary>Absent or unknown.</summary>
    None = 0,

    /// <summary>1.</summary>
    Discover = 1,

    /// <summary>2.</summary>
    Offer = 2,

    /// <summary>3.</summary>
    Request = 3,

    /// <summary>4.</summary>
    Decline = 4,

    /// <summary>5.</summary>
    Ack = 5,

    /// <summary>6.</summary>
    Nak = 6,

    /// <summary>7.</summary>
    Release = 7,

    /// <summary>8.</summary>
    Inform = 8,
}

/// <summary>Option 43 sub-options of the PXE specification 2.1 (§2.4, table 2-1).</summary>
public enum PxeSubOption : byte
{
    /// <summary>6: PXE discovery control (bit 0 no broadcast, bit 1 no multicast, bit 2 only listed servers, bit 3 use the boot file in this offer).</summary>
    DiscoveryControl = 6,

    /// <summary>8: boot servers: type(2) count(1) addresses(4 × count), repeated.</summary>
    BootServers = 8,

    /// <summary>9: boot menu: type(2) length(1) description, repeated.</summary>
    BootMenu = 9,

    /// <summary>10: menu prompt: timeout(1) prompt text.</summary>
    MenuPrompt = 10,

    /// <summary>71: boot item: type(2) layer(2).</summary>
    BootItem = 71,
}
