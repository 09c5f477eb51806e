/*
 * UDP (RFC 768): source port, destination port, length, checksum, data.
 * The checksum covers a pseudo-header (source and destination address, zero,
 * protocol, UDP length) and the datagram; 0 means "none computed", so a sum
 * that comes out as 0 is sent as 0xffff. Sprout's only UDP user is the DHCP
 * client on port 68; datagrams for other ports are dropped.
 */
#include <sprout/kernel.h>
#include <sprout/net.h>

static uint32_t pseudo_sum(uint32_t src, uint32_t dst, size_t len) {
    uint8_t ph[12];
    put32(ph, src);
    put32(ph + 4, dst);
    ph[8] = 0;
    ph[9] = IP_PROTO_UDP;
    put16(ph + 10, (uint16_t)len);
    return inet_sum(ph, sizeof ph, 0);
}

void udp_receive(struct netif *nif, uint32_t src, uint32_t dst, const uint8_t *p, size_t len) {
    if (len < UDP_HLEN) {
        nif->rx_errors++;
        return;
    }
    size_t ulen = get16(p + 4);
    if (ulen < UDP_HLEN || ulen > len) {
        nif->rx_errors++;
        return;
    }
    if (get16(p + 6) != 0 && inet_checksum(p, ulen, pseudo_sum(src, dst, ulen)) != 0) {
        nif->rx_errors++;
        return;
    }
    if (get16(p + 2) == DHCP_CLIENT_PORT) dhcp_receive(nif, p + UDP_HLEN, ulen - UDP_HLEN);
}

int udp_send_to(struct netif *nif, uint32_t src, uint32_t dst, const uint8_t *dst_mac, uint16_t sport,
                uint16_t dport, const void *data, size_t len) {
    uint8_t d[ETH_FRAME_MAX - ETH_HLEN - IPV4_HLEN];
    if (len > sizeof d - UDP_HLEN) return -E2BIG;
    size_t ulen = UDP_HLEN + len;
    put16(d, sport);
    put16(d + 2, dport);
    put16(d + 4, (uint16_t)ulen);
    put16(d + 6, 0);
    memcpy(d + UDP_HLEN, data, len);
    uint16_t sum = inet_checksum(d, ulen, pseudo_sum(src, dst, ulen));
    put16(d + 6, sum ? sum : 0xffff);
    return ipv4_send_to(nif, src, dst, dst_mac, IP_PROTO_UDP, d, ulen);
}
