using System.Net;

namespace Sluice.Server.Hosting;

// Connections held per client address, so one address cannot take every slot
// (--max-connections-per-address). Acquired by the accept loop, released by each connection.
public sealed class AddressSlots
{
    private readonly Dictionary<IPAddress, int> _held = [];
    private readonly int _cap;

    public AddressSlots(int cap)
    {
        _cap = cap;
    }

    public bool TryAcquire(IPAddress address)
    {
        if (_cap <= 0)
        {
            return true;
        }

        lock (_held)
        {
            _held.TryGetValue(address, out int held);
            if (held >= _cap)
            {
                return false;
            }

            _held[address] = held + 1;
            return true;
        }
    }

    public void Release(IPAddress address)
    {
        if (_cap <= 0)
        {
            return;
        }

        lock (_held)
        {
            if (_held.TryGetValue(address, out int held))
            {
                if (held <= 1)
                {
                    _held.Remove(address);
                }
                else
                {
                    _held[address] = held - 1;
                }
            }
        }
    }
}
