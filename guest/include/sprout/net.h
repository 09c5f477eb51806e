/*
 * Networking: one interface abstraction ("eth0") over the NIC drivers — the
 * emulated NE2000 on HVM (drivers/ne2000.c), netfront on PV
 * (xen/netfront.c) — and a small IPv4 stack above it (net/): Ethernet
 * demultiplexing, ARP, IPv4 without fragments, ICMP echo, UDP, and a DHCP
 * client.
 *
 * Like the rest of Sprout it is single-threaded and runs frames only where
 * Sprout waits: a NIC's interrupt handler just notes that something arrived,
 * and net_poll() — called by the shell's idle loop and by every network wait
 * — asks each driver to hand its frames to net_receive(). A frame may be
 * answered from there (ARP replies, echo replies) but nothing in receive
 * context ever blocks.
 *
 * Addresses are kept in host byte order (10.0.0.1 is 0x0a000001); the
 * get/put helpers convert at the wire (network order is big-endian, RFC 791
 * appendix B).
 */
#ifndef SPROUT_NET_H
#define SPROUT_NET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "device.h"

/* Ethernet (IEEE 802.3 without preamble and FCS). */
#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_ZLEN 60          /* shortest frame: 64 with FCS (802.3 §4.4.2 minFrameSize), padded up to it */
#define ETH_FRAME_MAX 1514   /* header + 1500-byte MTU */
#define ETH_MTU 1500
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806

#define IP_PROTO_ICMP 1
#define IP_PROTO_UDP 17
#define IPV4_HLEN 20
#define UDP_HLEN 8
#define ICMP_HLEN 8
#define IP_BROADCAST 0xffffffffu

/* Error numbers of the network (POSIX values; see kernel.h for the rest). */
#define ENETUNREACH 101
#define EHOSTUNREACH 113

struct netif {
    char name[8];         /* eth0 */
    const char *driver;   /* "ne2000", "netfront" */
    uint8_t mac[ETH_ALEN];
    /* The driver: send one frame (ETH_ZLEN..ETH_FRAME_MAX bytes); hand received frames to net_receive(). */
    int (*transmit)(struct netif *nif, const uint8_t *frame, size_t len);
    void (*poll)(struct netif *nif);
    bool polled;          /* no interrupt: waits must wake now and then to poll it */
    void *priv;
    struct device *dev;
    char hwinfo[80];      /* the driver's line in ifconfig: "Interrupt:9 Base address:0x300" */
    /* IPv4, from DHCP (0 = none) */
    uint32_t ip, netmask, gateway, dhcp_server, lease_s;
    /* ifconfig's counters */
    uint64_t rx_bytes, tx_bytes;
    unsigned long rx_packets, tx_packets, rx_errors, rx_dropped, rx_overruns, tx_errors, tx_dropped;
};

/* ---- net/netif.c: interfaces, Ethernet, waiting ------------------------- */

/* Name the interface (eth0, eth1 …) and add it; the driver then calls device_add with nif->name. */
void netif_register(struct netif *nif, const char *driver);
int netif_count(void);
struct netif *netif_at(int i);
struct netif *netif_by_name(const char *name);
/* The interface for a destination: the one whose subnet holds it, else the first configured. */
struct netif *netif_route(uint32_t dst);

/* From a driver's poll(): one received frame (without FCS). */
void net_receive(struct netif *nif, const uint8_t *frame, size_t len);
/* Send a frame whose Ethernet header the caller filled (the source MAC is set here); pads to ETH_ZLEN. */
int net_transmit(struct netif *nif, uint8_t *frame, size_t len);
/* Let every driver deliver what has arrived. Cheap when nothing has. */
void net_poll(void);
/* Sleep until an interrupt or `deadline` (timer ticks), whichever comes first; then poll. */
void net_sleep(uint64_t deadline);
/* True while frames are being delivered: sending must not block there. */
bool net_in_receive(void);
/* At boot, after the drivers: configure each interface by DHCP (bounded: never hangs the boot). */
void net_boot(void);
/* The host name DHCP sends (option 12): the domain's name on PV, else "sprout". */
const char *net_hostname(void);

/* Byte order and formatting. */
static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static inline void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}
/* Dotted quad into buf (16 bytes); returns buf. */
char *ip_format(char *buf, uint32_t ip);
bool ip_parse(const char *s, uint32_t *ip);
/* "00:16:3e:12:34:56" into buf (18 bytes); returns buf. */
char *mac_format(char *buf, const uint8_t *mac);
bool mac_parse(const char *s, uint8_t *mac);
/* Prefix length of a netmask (255.255.255.0 → 24). */
int netmask_bits(uint32_t mask);
/* The Internet checksum (RFC 1071) of data, folded with a partial sum `sum`. */
uint16_t inet_checksum(const void *data, size_t len, uint32_t sum);
uint32_t inet_sum(const void *data, size_t len, uint32_t sum);

/* ---- net/arp.c (RFC 826) -------------------------------------------------- */

struct arp_entry {
    uint32_t ip;
    uint8_t mac[ETH_ALEN];
    bool complete;        /* false: asked, no answer yet */
    struct netif *nif;
};
void arp_receive(struct netif *nif, const uint8_t *pkt, size_t len);
/*
 * The MAC for an on-link address. From the cache, else by asking: with
 * `block`, up to timeout_ms (polling the network meanwhile); without, the
 * request goes out and -EAGAIN comes back at once.
 */
int arp_resolve(struct netif *nif, uint32_t ip, uint8_t *mac, bool block, unsigned timeout_ms);
const struct arp_entry *arp_entry_at(int i);

/* ---- net/ipv4.c (RFC 791, RFC 792 echo) ----------------------------------- */

void ipv4_receive(struct netif *nif, const uint8_t *frame, size_t len);
/*
 * Send a datagram from the interface's address: routed (on-link, else via
 * the gateway) and resolved by ARP, blocking only outside receive context.
 */
int ipv4_send(struct netif *nif, uint32_t dst, uint8_t proto, const void *payload, size_t len);
/* Send with an explicit source address and destination MAC (DHCP, before we have an address). */
int ipv4_send_to(struct netif *nif, uint32_t src, uint32_t dst, const uint8_t *dst_mac, uint8_t proto,
                 const void *payload, size_t len);

/* net/icmp.c: echo requests to us are answered; replies go to the handler registered here. */
void icmp_receive(struct netif *nif, uint32_t src, uint32_t dst, uint8_t ttl, const uint8_t *pkt, size_t len);
struct icmp_echo_reply {
    uint32_t from;
    uint16_t id, seq;
    uint8_t ttl;
    size_t len;           /* ICMP bytes: header + data */
    const uint8_t *data;  /* the echoed data */
    size_t data_len;
};
typedef void (*icmp_echo_handler_t)(const struct icmp_echo_reply *r, void *arg);
void icmp_set_echo_handler(icmp_echo_handler_t fn, void *arg);
int icmp_send_echo(struct netif *nif, uint32_t dst, uint16_t id, uint16_t seq, const void *data, size_t len);
/* Delivered ICMP messages other than echo replies and requests ("Destination Unreachable"…), for ping. */
struct icmp_error {
    uint32_t from;
    uint8_t type, code;
    uint16_t id, seq;     /* of the echo request the error quotes, when it quotes one */
};
typedef void (*icmp_error_handler_t)(const struct icmp_error *e, void *arg);
void icmp_set_error_handler(icmp_error_handler_t fn, void *arg);

/* ---- net/udp.c (RFC 768) --------------------------------------------------- */

void udp_receive(struct netif *nif, uint32_t src, uint32_t dst, const uint8_t *pkt, size_t len);
int udp_send_to(struct netif *nif, uint32_t src, uint32_t dst, const uint8_t *dst_mac, uint16_t sport,
                uint16_t dport, const void *data, size_t len);

/* ---- net/dhcp.c (RFC 2131, options RFC 2132) ------------------------------- */

#define DHCP_CLIENT_PORT 68
#define DHCP_SERVER_PORT 67
void dhcp_receive(struct netif *nif, const uint8_t *msg, size_t len);
/* True while an exchange waits for answers (UDP to port 68 is then accepted for any address). */
bool dhcp_active(void);
/* DISCOVER/OFFER/REQUEST/ACK, each step tried `tries` times for `step_ms`; prints the outcome. */
int dhcp_configure(struct netif *nif, unsigned tries, unsigned step_ms);

#endif
