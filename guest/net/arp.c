/*
 * ARP, the Address Resolution Protocol (RFC 826), for IPv4 over Ethernet.
 * A packet (28 bytes after the Ethernet header):
 *
 *   0 hardware type (1 = Ethernet)   2 protocol type (0x0800)
 *   4 hardware length (6)            5 protocol length (4)
 *   6 operation (1 request, 2 reply)
 *   8 sender MAC   14 sender IP   18 target MAC   24 target IP
 *
 * Reception follows the RFC's packet-reception algorithm: if the sender is
 * already in the cache its MAC is refreshed ("merge"); if we are the target
 * it is added if it was not, and a request is answered with a reply sent
 * straight back to the asker. So a host that pings us has taught us its MAC
 * by the time its echo request arrives, and the reply needs no ARP round.
 */
#include <sprout/kernel.h>
#include <sprout/net.h>
#include <sprout/timer.h>

#define ARP_LEN 28
#define ARP_HTYPE_ETHERNET 1
#define ARP_REQUEST 1
#define ARP_REPLY 2
#define CACHE_SIZE 16

static struct arp_cache_entry {
    struct arp_entry e;
    uint64_t used; /* timer ticks of the last update, for replacement */
} cache[CACHE_SIZE];

static struct arp_cache_entry *lookup(struct netif *nif, uint32_t ip) {
    for (int i = 0; i < CACHE_SIZE; i++)
        if (cache[i].e.nif == nif && cache[i].e.ip == ip) return &cache[i];
    return NULL;
}

/* A slot for a new address: a free one, else the least recently updated. */
static struct arp_cache_entry *insert(struct netif *nif, uint32_t ip) {
    struct arp_cache_entry *victim = &cache[0];
    for (int i = 0; i < CACHE_SIZE; i++) {
        if (!cache[i].e.nif) {
            victim = &cache[i];
            break;
        }
        if (cache[i].used < victim->used) victim = &cache[i];
    }
    memset(victim, 0, sizeof *victim);
    victim->e.nif = nif;
    victim->e.ip = ip;
    victim->used = timer_now();
    return victim;
}

static void update(struct arp_cache_entry *c, const uint8_t *mac) {
    memcpy(c->e.mac, mac, ETH_ALEN);
    c->e.complete = true;
    c->used = timer_now();
}

static int send_arp(struct netif *nif, uint16_t op, const uint8_t *eth_dst, const uint8_t *tha, uint32_t tpa) {
    uint8_t frame[ETH_FRAME_MAX];
    memcpy(frame, eth_dst, ETH_ALEN);
    put16(frame + 12, ETHERTYPE_ARP);
    uint8_t *a = frame + ETH_HLEN;
    put16(a, ARP_HTYPE_ETHERNET);
    put16(a + 2, ETHERTYPE_IPV4);
    a[4] = ETH_ALEN;
    a[5] = 4;
    put16(a + 6, op);
    memcpy(a + 8, nif->mac, ETH_ALEN);
    put32(a + 14, nif->ip);
    memcpy(a + 18, tha, ETH_ALEN);
    put32(a + 24, tpa);
    return net_transmit(nif, frame, ETH_HLEN + ARP_LEN);
}

void arp_receive(struct netif *nif, const uint8_t *a, size_t len) {
    if (len < ARP_LEN || get16(a) != ARP_HTYPE_ETHERNET || get16(a + 2) != ETHERTYPE_IPV4 || a[4] != ETH_ALEN ||
        a[5] != 4)
        return;
    uint16_t op = get16(a + 6);
    const uint8_t *sha = a + 8;
    uint32_t spa = get32(a + 14), tpa = get32(a + 24);
    if (spa == 0 || memcmp(sha, nif->mac, ETH_ALEN) == 0) return; /* a probe (RFC 5227), or our own */
    struct arp_cache_entry *c = lookup(nif, spa);
    if (c) update(c, sha);
    if (!nif->ip || tpa != nif->ip) return;
    if (!c) update(insert(nif, spa), sha);
    if (op == ARP_REQUEST) send_arp(nif, ARP_REPLY, sha, sha, spa);
}

static bool is_broadcast(struct netif *nif, uint32_t ip) {
    return ip == IP_BROADCAST || (nif->netmask && (ip | nif->netmask) == IP_BROADCAST);
}

static const uint8_t zero_mac[ETH_ALEN];
static const uint8_t broadcast_mac[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

int arp_resolve(struct netif *nif, uint32_t ip, uint8_t *mac, bool block, unsigned timeout_ms) {
    if (is_broadcast(nif, ip)) {
        memcpy(mac, broadcast_mac, ETH_ALEN);
        return 0;
    }
    struct arp_cache_entry *c = lookup(nif, ip);
    if (c && c->e.complete) {
        memcpy(mac, c->e.mac, ETH_ALEN);
        return 0;
    }
    if (!c) c = insert(nif, ip);
    send_arp(nif, ARP_REQUEST, broadcast_mac, zero_mac, ip);
    if (!block) return -EAGAIN;
    /* Ask again a few times within the timeout, as a lost request should not cost the whole wait. */
    uint64_t deadline = timer_deadline_ms(timeout_ms);
    uint64_t step = (uint64_t)timer_hz() / 1000 * (timeout_ms / 3 ? timeout_ms / 3 : 1);
    uint64_t resend = timer_now() + step;
    for (;;) {
        net_poll();
        c = lookup(nif, ip); /* the entry may have been recycled meanwhile */
        if (c && c->e.complete) {
            memcpy(mac, c->e.mac, ETH_ALEN);
            return 0;
        }
        uint64_t now = timer_now();
        if (now >= deadline) return -EHOSTUNREACH;
        if (now >= resend) {
            if (!c) c = insert(nif, ip);
            send_arp(nif, ARP_REQUEST, broadcast_mac, zero_mac, ip);
            resend = now + step;
        }
        net_sleep(MIN(deadline, resend));
    }
}

const struct arp_entry *arp_entry_at(int i) {
    for (int k = 0; k < CACHE_SIZE; k++)
        if (cache[k].e.nif && i-- == 0) return &cache[k].e;
    return NULL;
}
