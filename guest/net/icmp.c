/*
 * ICMP (RFC 792), the part ping needs. Every message starts with type,
 * code and a checksum over the whole message; echo request (8) and echo
 * reply (0) carry an identifier and a sequence number, then data the reply
 * returns unchanged:
 *
 *   0 type   1 code   2 checksum   4 identifier   6 sequence number   8 data
 *
 * An echo request to our address is answered in place (type 0, new
 * checksum). Echo replies go to the handler ping registered. Destination
 * Unreachable (3) and Time Exceeded (11) quote the IP header and first 8
 * bytes of the datagram that failed; when that was one of our echo requests
 * the handler hears of it too, with its identifier and sequence number.
 */
#include <sprout/kernel.h>
#include <sprout/net.h>

#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO_REQUEST 8
#define ICMP_TIME_EXCEEDED 11

static icmp_echo_handler_t echo_fn;
static void *echo_arg;
static icmp_error_handler_t error_fn;
static void *error_arg;

void icmp_set_echo_handler(icmp_echo_handler_t fn, void *arg) {
    echo_fn = fn;
    echo_arg = arg;
}

void icmp_set_error_handler(icmp_error_handler_t fn, void *arg) {
    error_fn = fn;
    error_arg = arg;
}

static void quoted_error(uint32_t from, const uint8_t *p, size_t len) {
    struct icmp_error e = {.from = from, .type = p[0], .code = p[1]};
    const uint8_t *ip = p + ICMP_HLEN;
    if (len >= ICMP_HLEN + IPV4_HLEN + ICMP_HLEN && ip[0] >> 4 == 4) {
        size_t ihl = (size_t)(ip[0] & 15) * 4;
        const uint8_t *q = ip + ihl;
        if (ip[9] == IP_PROTO_ICMP && len >= ICMP_HLEN + ihl + ICMP_HLEN && q[0] == ICMP_ECHO_REQUEST) {
            e.id = get16(q + 4);
            e.seq = get16(q + 6);
        }
    }
    if (error_fn) error_fn(&e, error_arg);
}

void icmp_receive(struct netif *nif, uint32_t src, uint32_t dst, uint8_t ttl, const uint8_t *p, size_t len) {
    if (len < ICMP_HLEN || inet_checksum(p, len, 0) != 0) {
        nif->rx_errors++;
        return;
    }
    switch (p[0]) {
    case ICMP_ECHO_REQUEST: {
        if (dst != nif->ip || len > ETH_FRAME_MAX - ETH_HLEN - IPV4_HLEN) return; /* no broadcast pings, as Linux */
        uint8_t reply[ETH_FRAME_MAX - ETH_HLEN - IPV4_HLEN];
        memcpy(reply, p, len);
        reply[0] = ICMP_ECHO_REPLY;
        put16(reply + 2, 0);
        put16(reply + 2, inet_checksum(reply, len, 0));
        ipv4_send(nif, src, IP_PROTO_ICMP, reply, len);
        break;
    }
    case ICMP_ECHO_REPLY: {
        if (!echo_fn) return;
        struct icmp_echo_reply r = {.from = src, .id = get16(p + 4), .seq = get16(p + 6), .ttl = ttl, .len = len,
                                    .data = p + ICMP_HLEN, .data_len = len - ICMP_HLEN};
        echo_fn(&r, echo_arg);
        break;
    }
    case ICMP_DEST_UNREACH:
    case ICMP_TIME_EXCEEDED: quoted_error(src, p, len); break;
    default: break;
    }
}

int icmp_send_echo(struct netif *nif, uint32_t dst, uint16_t id, uint16_t seq, const void *data, size_t len) {
    uint8_t msg[ETH_FRAME_MAX - ETH_HLEN - IPV4_HLEN];
    if (len > sizeof msg - ICMP_HLEN) return -E2BIG;
    msg[0] = ICMP_ECHO_REQUEST;
    msg[1] = 0;
    put16(msg + 2, 0);
    put16(msg + 4, id);
    put16(msg + 6, seq);
    memcpy(msg + ICMP_HLEN, data, len);
    put16(msg + 2, inet_checksum(msg, ICMP_HLEN + len, 0));
    return ipv4_send(nif, dst, IP_PROTO_ICMP, msg, ICMP_HLEN + len);
}
