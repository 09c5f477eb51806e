/*
 * IPv4 (RFC 791), without fragments and options of our own. The header:
 *
 *   0 version 4 | IHL (words)   1 type of service   2 total length
 *   4 identification            6 flags (DF 0x4000, MF 0x2000) | fragment offset
 *   8 TTL   9 protocol   10 header checksum   12 source   16 destination
 *
 * Received datagrams are checked (version, lengths, header checksum) and
 * fragments dropped (Sprout never asks for anything large enough to be
 * fragmented); those for our address, or broadcast, go to ICMP or UDP. While
 * DHCP runs, UDP for any address is taken, since the server may send the
 * offer to the address it is offering (RFC 2131 §4.1).
 *
 * Sending routes on-link destinations directly and the rest through the
 * gateway, and resolves the next hop by ARP; a datagram to our own address
 * is received at once without touching the NIC. Outside receive context ARP may
 * wait for the answer; inside it (an echo reply) it never does: the request
 * goes out and the datagram is dropped, as the asker will retry.
 */
#include <sprout/kernel.h>
#include <sprout/net.h>

#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFSET_MASK 0x1fff
#define DEFAULT_TTL 64      /* RFC 1700's recommended TTL, as Linux uses */
#define ARP_TIMEOUT_MS 1000

static uint16_t next_id;

static bool for_us(struct netif *nif, uint32_t dst, uint8_t proto) {
    if (dst == IP_BROADCAST) return true;
    if (nif->ip && (dst == nif->ip || (nif->netmask && dst == (nif->ip | ~nif->netmask)))) return true;
    return proto == IP_PROTO_UDP && dhcp_active();
}

void ipv4_receive(struct netif *nif, const uint8_t *frame, size_t len) {
    const uint8_t *ip = frame + ETH_HLEN;
    size_t n = len - ETH_HLEN;
    if (n < IPV4_HLEN || ip[0] >> 4 != 4) {
        nif->rx_errors++;
        return;
    }
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    size_t total = get16(ip + 2);
    /* The frame may be longer than the datagram (padding to 60 bytes, a trailing CRC): trust total length. */
    if (ihl < IPV4_HLEN || total < ihl || total > n || inet_checksum(ip, ihl, 0) != 0) {
        nif->rx_errors++;
        return;
    }
    if (get16(ip + 6) & (IP_MF | IP_OFFSET_MASK)) {
        nif->rx_dropped++; /* a fragment */
        return;
    }
    uint8_t proto = ip[9];
    uint32_t src = get32(ip + 12), dst = get32(ip + 16);
    if (!for_us(nif, dst, proto)) return;
    switch (proto) {
    case IP_PROTO_ICMP: icmp_receive(nif, src, dst, ip[8], ip + ihl, total - ihl); break;
    case IP_PROTO_UDP: udp_receive(nif, src, dst, ip + ihl, total - ihl); break;
    default: break;
    }
}

/* Build the frame; sent on the wire, or (to our own address) received at once, as Linux's loopback would. */
static int output(struct netif *nif, uint32_t src, uint32_t dst, const uint8_t *dst_mac, uint8_t proto,
                  const void *payload, size_t len, bool loop) {
    if (len > ETH_FRAME_MAX - ETH_HLEN - IPV4_HLEN) return -E2BIG;
    uint8_t frame[ETH_FRAME_MAX];
    memcpy(frame, dst_mac, ETH_ALEN);
    put16(frame + 12, ETHERTYPE_IPV4);
    uint8_t *ip = frame + ETH_HLEN;
    ip[0] = 0x45; /* version 4, 5 words */
    ip[1] = 0;
    put16(ip + 2, (uint16_t)(IPV4_HLEN + len));
    put16(ip + 4, next_id++);
    put16(ip + 6, dst == IP_BROADCAST ? 0 : IP_DF);
    ip[8] = DEFAULT_TTL;
    ip[9] = proto;
    put16(ip + 10, 0);
    put32(ip + 12, src);
    put32(ip + 16, dst);
    put16(ip + 10, inet_checksum(ip, IPV4_HLEN, 0));
    memcpy(ip + IPV4_HLEN, payload, len);
    if (loop) {
        ipv4_receive(nif, frame, ETH_HLEN + IPV4_HLEN + len);
        return 0;
    }
    return net_transmit(nif, frame, ETH_HLEN + IPV4_HLEN + len);
}

int ipv4_send_to(struct netif *nif, uint32_t src, uint32_t dst, const uint8_t *dst_mac, uint8_t proto,
                 const void *payload, size_t len) {
    return output(nif, src, dst, dst_mac, proto, payload, len, false);
}

int ipv4_send(struct netif *nif, uint32_t dst, uint8_t proto, const void *payload, size_t len) {
    if (!nif) nif = netif_route(dst);
    if (!nif || !nif->ip) return -ENETUNREACH;
    if (dst == nif->ip) return output(nif, dst, dst, nif->mac, proto, payload, len, true);
    uint32_t hop = dst;
    if (dst != IP_BROADCAST && ((dst ^ nif->ip) & nif->netmask) != 0) {
        if (!nif->gateway) return -ENETUNREACH;
        hop = nif->gateway;
    }
    uint8_t mac[ETH_ALEN];
    int r = arp_resolve(nif, hop, mac, !net_in_receive(), ARP_TIMEOUT_MS);
    if (r) return r;
    return ipv4_send_to(nif, nif->ip, dst, mac, proto, payload, len);
}
