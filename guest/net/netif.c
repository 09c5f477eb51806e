/*
 * Network interfaces and Ethernet (IEEE 802.3 framing without preamble and
 * FCS: destination MAC, source MAC, EtherType, payload). A driver registers
 * a struct netif with transmit and poll; received frames come back through
 * net_receive(), which keeps ifconfig's counters, drops frames that are not
 * for us (netfront sees whatever the bridge floods) and hands the rest to
 * ARP or IPv4 by EtherType.
 *
 * Frames are handled only where Sprout waits (see include/sprout/net.h):
 * net_poll() runs each driver's poll, and a guard keeps it from running
 * again inside itself, since answering a frame may send one.
 */
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/net.h>
#include <sprout/timer.h>
#include <sprout/xenbus.h>

#define MAX_NETIFS 4
#define POLL_INTERVAL_US 1000 /* how often a wait wakes to poll a NIC without an interrupt */

static struct netif *netifs[MAX_NETIFS];
static int nnetifs;
static int receiving; /* depth of net_poll: frames are being delivered */

void netif_register(struct netif *nif, const char *driver) {
    if (nnetifs == MAX_NETIFS) panic("too many network interfaces");
    snprintf(nif->name, sizeof nif->name, "eth%d", nnetifs);
    nif->driver = driver;
    netifs[nnetifs++] = nif;
}

int netif_count(void) { return nnetifs; }
struct netif *netif_at(int i) { return i >= 0 && i < nnetifs ? netifs[i] : NULL; }

struct netif *netif_by_name(const char *name) {
    for (int i = 0; i < nnetifs; i++)
        if (strcmp(netifs[i]->name, name) == 0) return netifs[i];
    return NULL;
}

struct netif *netif_route(uint32_t dst) {
    for (int i = 0; i < nnetifs; i++) {
        struct netif *n = netifs[i];
        if (n->ip && ((dst ^ n->ip) & n->netmask) == 0) return n;
    }
    for (int i = 0; i < nnetifs; i++)
        if (netifs[i]->ip) return netifs[i];
    return NULL;
}

static const uint8_t broadcast_mac[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void net_receive(struct netif *nif, const uint8_t *frame, size_t len) {
    nif->rx_packets++;
    nif->rx_bytes += len;
    if (len < ETH_HLEN) {
        nif->rx_errors++;
        return;
    }
    /* Ours or broadcast; multicast (the group bit, 802.3 §3.2.3) is not joined. */
    if (memcmp(frame, nif->mac, ETH_ALEN) != 0 && memcmp(frame, broadcast_mac, ETH_ALEN) != 0) return;
    switch (get16(frame + 12)) {
    case ETHERTYPE_ARP: arp_receive(nif, frame + ETH_HLEN, len - ETH_HLEN); break;
    case ETHERTYPE_IPV4: ipv4_receive(nif, frame, len); break;
    default: break; /* IPv6 and the rest: not spoken here */
    }
}

int net_transmit(struct netif *nif, uint8_t *frame, size_t len) {
    if (len < ETH_HLEN || len > ETH_FRAME_MAX) {
        nif->tx_dropped++;
        return -EINVAL;
    }
    memcpy(frame + ETH_ALEN, nif->mac, ETH_ALEN);
    if (len < ETH_ZLEN) { /* callers build frames in buffers of ETH_FRAME_MAX bytes */
        memset(frame + len, 0, ETH_ZLEN - len);
        len = ETH_ZLEN;
    }
    int r = nif->transmit(nif, frame, len);
    if (r < 0) {
        nif->tx_errors++;
        return r;
    }
    nif->tx_packets++;
    nif->tx_bytes += len;
    return 0;
}

void net_poll(void) {
    if (receiving) return;
    receiving++;
    for (int i = 0; i < nnetifs; i++) netifs[i]->poll(netifs[i]);
    receiving--;
}

bool net_in_receive(void) { return receiving > 0; }

void net_sleep(uint64_t deadline) {
    for (int i = 0; i < nnetifs; i++)
        if (netifs[i]->polled) {
            deadline = MIN(deadline, timer_now() + (uint64_t)timer_hz() / 1000000 * POLL_INTERVAL_US);
            break;
        }
    timer_arm(deadline);
    wait_for_interrupt();
}

const char *net_hostname(void) {
    static char name[64];
    if (name[0]) return name;
    char v[64] = "";
    if (is_pv() && xenbus_ready()) xenbus_read(XBT_NIL, "name", v, sizeof v);
    /* A host name is letters, digits and hyphens (RFC 1123 §2.1); keep those. */
    size_t n = 0;
    for (const char *p = v; *p && n < sizeof name - 1; p++)
        if (isdigit(*p) || (tolower(*p) >= 'a' && tolower(*p) <= 'z') || *p == '-') name[n++] = *p;
    name[n] = 0;
    if (!n) strlcpy(name, "sprout", sizeof name);
    return name;
}

void net_boot(void) {
    /* Three DISCOVERs 333 ms apart: a network without a DHCP server costs the boot one second. */
    for (int i = 0; i < nnetifs; i++) dhcp_configure(netifs[i], 3, 333);
}

/* ---- addresses and checksums ------------------------------------------- */

char *ip_format(char *buf, uint32_t ip) {
    snprintf(buf, 16, "%lu.%lu.%lu.%lu", (unsigned long)(ip >> 24), (unsigned long)(ip >> 16 & 255),
             (unsigned long)(ip >> 8 & 255), (unsigned long)(ip & 255));
    return buf;
}

bool ip_parse(const char *s, uint32_t *ip) {
    uint32_t v = 0;
    for (int part = 0; part < 4; part++) {
        if (!isdigit(*s)) return false;
        uint32_t octet = 0;
        for (int digits = 0; isdigit(*s); digits++, s++) {
            if (digits == 3) return false;
            octet = octet * 10 + (uint32_t)(*s - '0');
        }
        if (octet > 255) return false;
        v = v << 8 | octet;
        if (part < 3 && *s++ != '.') return false;
    }
    if (*s) return false;
    *ip = v;
    return true;
}

char *mac_format(char *buf, const uint8_t *mac) {
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    return buf;
}

static int hexval(char c) {
    if (isdigit(c)) return c - '0';
    c = (char)tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool mac_parse(const char *s, uint8_t *mac) {
    for (int i = 0; i < ETH_ALEN; i++) {
        int hi = hexval(s[0]), lo = hexval(s[1]);
        if (hi < 0 || lo < 0) return false;
        mac[i] = (uint8_t)(hi << 4 | lo);
        s += 2;
        if (i < ETH_ALEN - 1 && *s++ != ':') return false;
    }
    return *s == 0;
}

int netmask_bits(uint32_t mask) {
    int n = 0;
    while (mask & 0x80000000u) n++, mask <<= 1;
    return n;
}

/* RFC 1071: the one's-complement sum of 16-bit big-endian words, an odd last byte padded with zero. */
uint32_t inet_sum(const void *data, size_t len, uint32_t sum) {
    const uint8_t *p = data;
    for (; len > 1; p += 2, len -= 2) sum += (uint32_t)(p[0] << 8 | p[1]);
    if (len) sum += (uint32_t)p[0] << 8;
    return sum;
}

uint16_t inet_checksum(const void *data, size_t len, uint32_t sum) {
    sum = inet_sum(data, len, sum);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}
