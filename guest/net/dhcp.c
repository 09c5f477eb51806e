/*
 * A DHCP client (RFC 2131; options RFC 2132), the INIT → SELECTING →
 * REQUESTING → BOUND path:
 *
 *   DHCPDISCOVER  broadcast from 0.0.0.0: "any server, an address please"
 *   DHCPOFFER     a server offers yiaddr (we take the first offer)
 *   DHCPREQUEST   broadcast: "that one, from that server" (options 50, 54)
 *   DHCPACK       the lease: address, mask (1), router (3), lease time (51)
 *
 * Both our messages set the BROADCAST flag (RFC 2131 §4.1), as we cannot
 * receive unicast to an address we do not have yet; replies sent to the
 * offered address are taken as well. Every message carries the host name
 * (option 12) and a parameter request list (55). A DHCPNAK sends us back to
 * DISCOVER once.
 *
 * The message (RFC 2131 §2, figure 1), after the UDP header:
 *
 *     0 op  1 htype  2 hlen  3 hops  4 xid  8 secs  10 flags
 *    12 ciaddr  16 yiaddr  20 siaddr  24 giaddr  28 chaddr (16)
 *    44 sname (64)  108 file (128)  236 magic cookie 99.130.83.99  240 options
 *
 * Each step is retried a few times and bounded in guest time, so a network
 * without a server never holds up the boot for long.
 */
#include <sprout/kernel.h>
#include <sprout/net.h>
#include <sprout/timer.h>

#define BOOTREQUEST 1
#define BOOTREPLY 2
#define HTYPE_ETHERNET 1
#define FLAG_BROADCAST 0x8000
#define MAGIC_COOKIE 0x63825363
#define OPTIONS_OFFSET 240
#define BOOTP_MIN_LEN 300 /* RFC 951's message size; some servers want no less (RFC 1542 §3.2) */

/* Option codes (RFC 2132) and message types (option 53). */
#define OPT_PAD 0
#define OPT_SUBNET_MASK 1
#define OPT_ROUTER 3
#define OPT_DNS 6
#define OPT_HOSTNAME 12
#define OPT_DOMAIN_NAME 15
#define OPT_BROADCAST 28
#define OPT_REQUESTED_IP 50
#define OPT_LEASE_TIME 51
#define OPT_MESSAGE_TYPE 53
#define OPT_SERVER_ID 54
#define OPT_PARAM_REQUEST 55
#define OPT_END 255
#define DHCPDISCOVER 1
#define DHCPOFFER 2
#define DHCPREQUEST 3
#define DHCPACK 5
#define DHCPNAK 6

static struct {
    struct netif *nif;
    bool active;
    uint32_t xid;
    int want;     /* DHCPOFFER or DHCPACK */
    bool got, nak;
    uint32_t yiaddr, server, mask, router, lease;
} dh;

bool dhcp_active(void) { return dh.active; }

void dhcp_receive(struct netif *nif, const uint8_t *m, size_t len) {
    if (!dh.active || nif != dh.nif || dh.got || len < OPTIONS_OFFSET) return;
    if (m[0] != BOOTREPLY || get32(m + 4) != dh.xid || memcmp(m + 28, nif->mac, ETH_ALEN) != 0 ||
        get32(m + 236) != MAGIC_COOKIE)
        return;
    int type = 0;
    uint32_t server = 0, mask = 0, router = 0, lease = 0;
    for (size_t i = OPTIONS_OFFSET; i < len;) {
        uint8_t code = m[i];
        if (code == OPT_PAD) {
            i++;
            continue;
        }
        if (code == OPT_END || i + 2 > len || i + 2 + m[i + 1] > len) break;
        uint8_t n = m[i + 1];
        const uint8_t *v = m + i + 2;
        if (code == OPT_MESSAGE_TYPE && n >= 1) type = v[0];
        else if (code == OPT_SERVER_ID && n >= 4) server = get32(v);
        else if (code == OPT_SUBNET_MASK && n >= 4) mask = get32(v);
        else if (code == OPT_ROUTER && n >= 4) router = get32(v);
        else if (code == OPT_LEASE_TIME && n >= 4) lease = get32(v);
        i += 2 + (size_t)n;
    }
    if (dh.want == DHCPOFFER && type == DHCPOFFER && get32(m + 16)) {
        dh.yiaddr = get32(m + 16);
        dh.server = server ? server : get32(m + 20); /* siaddr, if the server omitted option 54 */
    } else if (dh.want == DHCPACK && (type == DHCPACK || type == DHCPNAK) && (!server || server == dh.server)) {
        if (type == DHCPNAK) {
            dh.nak = true;
            return;
        }
        if (get32(m + 16)) dh.yiaddr = get32(m + 16);
    } else {
        return;
    }
    dh.mask = mask;
    dh.router = router;
    dh.lease = lease;
    dh.got = true;
}

static uint8_t *option(uint8_t *p, uint8_t code, const void *v, size_t n) {
    *p++ = code;
    *p++ = (uint8_t)n;
    memcpy(p, v, n);
    return p + n;
}

static int send_message(struct netif *nif, int type) {
    uint8_t m[548]; /* the largest message every server must take (RFC 2131 §2: 576-byte datagrams) */
    memset(m, 0, sizeof m);
    m[0] = BOOTREQUEST;
    m[1] = HTYPE_ETHERNET;
    m[2] = ETH_ALEN;
    put32(m + 4, dh.xid);
    put16(m + 10, FLAG_BROADCAST);
    memcpy(m + 28, nif->mac, ETH_ALEN);
    put32(m + 236, MAGIC_COOKIE);
    uint8_t *p = m + OPTIONS_OFFSET, v[4];
    uint8_t t = (uint8_t)type;
    p = option(p, OPT_MESSAGE_TYPE, &t, 1);
    if (type == DHCPREQUEST) {
        put32(v, dh.yiaddr);
        p = option(p, OPT_REQUESTED_IP, v, 4);
        put32(v, dh.server);
        p = option(p, OPT_SERVER_ID, v, 4);
    }
    static const uint8_t params[] = {OPT_SUBNET_MASK, OPT_ROUTER, OPT_DNS, OPT_DOMAIN_NAME, OPT_BROADCAST,
                                     OPT_LEASE_TIME, OPT_SERVER_ID};
    p = option(p, OPT_PARAM_REQUEST, params, sizeof params);
    const char *host = net_hostname();
    p = option(p, OPT_HOSTNAME, host, strnlen(host, 63));
    *p++ = OPT_END;
    size_t len = MAX((size_t)(p - m), (size_t)BOOTP_MIN_LEN);
    static const uint8_t broadcast_mac[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    return udp_send_to(nif, 0, IP_BROADCAST, broadcast_mac, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, m, len);
}

/* Send `type` up to `tries` times, each time waiting step_ms for the answer. */
static bool exchange(struct netif *nif, int type, int want, unsigned tries, unsigned step_ms) {
    dh.want = want;
    dh.got = dh.nak = false;
    for (unsigned t = 0; t < tries; t++) {
        if (send_message(nif, type) < 0) continue;
        uint64_t deadline = timer_deadline_ms(step_ms);
        for (;;) {
            net_poll();
            if (dh.got || dh.nak) return dh.got;
            if (timer_now() >= deadline) break;
            net_sleep(deadline);
        }
    }
    return false;
}

int dhcp_configure(struct netif *nif, unsigned tries, unsigned step_ms) {
    char a[16], s[16];
    memset(&dh, 0, sizeof dh);
    dh.nif = nif;
    dh.active = true;
    int r = -ETIMEDOUT;
    for (int round = 0; round < 2; round++) {
        /* A transaction id of our own (RFC 2131 §4.1): the time, mixed with the MAC. */
        dh.xid = (uint32_t)timer_now() ^ get32(nif->mac + 2) ^ 0x5370726fu;
        if (!exchange(nif, DHCPDISCOVER, DHCPOFFER, tries, step_ms)) break;
        if (exchange(nif, DHCPREQUEST, DHCPACK, tries, step_ms)) {
            r = 0;
            break;
        }
        if (!dh.nak) break;
        printk("%s: DHCPNAK from %s, starting over\n", nif->name, ip_format(s, dh.server));
    }
    dh.active = false;
    if (r) {
        printk("%s: no DHCP answer\n", nif->name);
        return r;
    }
    nif->ip = dh.yiaddr;
    nif->netmask = dh.mask ? dh.mask : 0xffffff00u; /* no option 1: assume a /24 */
    nif->gateway = dh.router;
    nif->dhcp_server = dh.server;
    nif->lease_s = dh.lease;
    printk("%s: %s/%d via DHCP (server %s)\n", nif->name, ip_format(a, nif->ip), netmask_bits(nif->netmask),
           ip_format(s, nif->dhcp_server));
    return 0;
}
