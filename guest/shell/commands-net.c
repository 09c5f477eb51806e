/*
 * Network commands: ifconfig, ping, arp, dhcp. Their output follows the
 * Linux tools a reader knows: net-tools 1.60's ifconfig and arp -n, and
 * iputils' ping (the PING banner, one line per reply, the statistics).
 */
#include <sprout/console.h>
#include <sprout/device.h>
#include <sprout/kernel.h>
#include <sprout/net.h>
#include <sprout/shell.h>
#include <sprout/timer.h>

static int no_interface(const char *cmd) {
    printf("%s: no network interface (the domain has no NIC)\n", cmd);
    return -ENODEV;
}

/* ---- ifconfig ------------------------------------------------------------ */

/* net-tools' "(3.3 KiB)": tenths, binary units, "B" below a KiB. */
static void human_bytes(char *buf, size_t size, uint64_t bytes) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    uint64_t tenths = bytes * 10;
    unsigned u = 0;
    for (uint64_t b = bytes; b > 1024 && u < ARRAY_SIZE(units) - 1; b /= 1024, u++) tenths /= 1024;
    snprintf(buf, size, "%lu.%lu %s", (unsigned long)(tenths / 10), (unsigned long)(tenths % 10), units[u]);
}

static void show_interface(struct netif *n) {
    char mac[18], a[16], b[16], m[16], rx[24], tx[24];
    out_printf("%-9.9s Link encap:Ethernet  HWaddr %s  \n", n->name, mac_format(mac, n->mac));
    if (n->ip)
        out_printf("          inet addr:%s  Bcast:%s  Mask:%s\n", ip_format(a, n->ip),
                   ip_format(b, n->ip | ~n->netmask), ip_format(m, n->netmask));
    out_printf("          UP BROADCAST RUNNING  MTU:%d  Metric:1\n", ETH_MTU);
    out_printf("          RX packets:%lu errors:%lu dropped:%lu overruns:%lu frame:0\n", n->rx_packets, n->rx_errors,
               n->rx_dropped, n->rx_overruns);
    out_printf("          TX packets:%lu errors:%lu dropped:%lu overruns:0 carrier:0\n", n->tx_packets, n->tx_errors,
               n->tx_dropped);
    out_printf("          collisions:0 txqueuelen:1000 \n");
    human_bytes(rx, sizeof rx, n->rx_bytes);
    human_bytes(tx, sizeof tx, n->tx_bytes);
    out_printf("          RX bytes:%llu (%s)  TX bytes:%llu (%s)\n", (unsigned long long)n->rx_bytes, rx,
               (unsigned long long)n->tx_bytes, tx);
    out_printf("          Driver:%s  %s \n\n", n->driver, n->hwinfo);
}

static int cmd_ifconfig(int argc, char **argv) {
    if (!netif_count()) return no_interface("ifconfig");
    if (argc > 1) {
        struct netif *n = netif_by_name(argv[1]);
        if (!n) {
            printf("%s: error fetching interface information: Device not found\n", argv[1]);
            return -ENODEV;
        }
        net_poll();
        show_interface(n);
        return 0;
    }
    net_poll(); /* counters as of now */
    for (int i = 0; i < netif_count(); i++) show_interface(netif_at(i));
    return 0;
}

/* ---- arp ----------------------------------------------------------------- */

static int cmd_arp(int argc, char **argv) {
    if (!netif_count()) return no_interface("arp");
    net_poll();
    out_printf("%-25s%-8s%-20s%-6s%-16s%s\n", "Address", "HWtype", "HWaddress", "Flags", "Mask", "Iface");
    const struct arp_entry *e;
    for (int i = 0; (e = arp_entry_at(i)); i++) {
        char a[16], mac[18];
        if (e->complete)
            out_printf("%-25s%-8s%-20s%-6s%-16s%s\n", ip_format(a, e->ip), "ether", mac_format(mac, e->mac), "C", "",
                       e->nif->name);
        else
            out_printf("%-25s%-8s%-20s%-6s%-16s%s\n", ip_format(a, e->ip), "", "(incomplete)", "", "", e->nif->name);
    }
    return 0;
}

/* ---- dhcp ---------------------------------------------------------------- */

static int cmd_dhcp(int argc, char **argv) {
    if (!netif_count()) return no_interface("dhcp");
    struct netif *n = argc > 1 ? netif_by_name(argv[1]) : netif_at(0);
    if (!n) {
        printf("dhcp: %s: no such interface\n", argv[1]);
        return -ENODEV;
    }
    return dhcp_configure(n, 3, 333);
}

/* ---- ping ---------------------------------------------------------------- */

#define PING_TIMEOUT_MS 1000 /* for the last reply */
#define PING_SEEN_BITS 1024  /* duplicate detection by sequence number, modulo this */

static struct {
    uint32_t dst;
    uint16_t id;
    size_t size;
    bool timing;
    unsigned long received, duplicates, errors;
    uint64_t rtt_min, rtt_max, rtt_sum, rtt_sum2; /* microseconds */
    uint32_t seen[PING_SEEN_BITS / 32];
} ping;

/* iputils' time formats: 3 decimals below 1 ms, 2 below 10, 1 below 100, none above. */
static void format_ms(char *buf, size_t size, uint64_t us) {
    unsigned long ms, frac;
    if (us >= 100000 - 50) {
        snprintf(buf, size, "%lu", (unsigned long)((us + 500) / 1000));
    } else if (us >= 10000 - 5) {
        ms = (unsigned long)((us + 50) / 1000), frac = (unsigned long)((us + 50) % 1000 / 100);
        snprintf(buf, size, "%lu.%01lu", ms, frac);
    } else if (us >= 1000) {
        ms = (unsigned long)((us + 5) / 1000), frac = (unsigned long)((us + 5) % 1000 / 10);
        snprintf(buf, size, "%lu.%02lu", ms, frac);
    } else {
        snprintf(buf, size, "0.%03lu", (unsigned long)us);
    }
}

static bool seen(uint16_t seq) { return ping.seen[seq % PING_SEEN_BITS / 32] & (1u << (seq % 32)); }

static void ping_reply(const struct icmp_echo_reply *r, void *arg) {
    if (r->id != ping.id || r->from != ping.dst) return;
    char from[16], t[16] = "";
    bool dup = seen(r->seq);
    ping.seen[r->seq % PING_SEEN_BITS / 32] |= 1u << (r->seq % 32);
    if (dup) ping.duplicates++;
    else ping.received++;
    if (ping.timing && r->data_len >= 8) {
        uint64_t stamp;
        memcpy(&stamp, r->data, sizeof stamp);
        uint64_t now = timer_us(), rtt = now > stamp ? now - stamp : 0;
        if (!dup) {
            if (ping.received == 1 || rtt < ping.rtt_min) ping.rtt_min = rtt;
            if (rtt > ping.rtt_max) ping.rtt_max = rtt;
            ping.rtt_sum += rtt;
            ping.rtt_sum2 += rtt * rtt;
        }
        char ms[16];
        format_ms(ms, sizeof ms, rtt);
        snprintf(t, sizeof t, " time=%s ms", ms);
    }
    out_printf("%lu bytes from %s: icmp_seq=%u ttl=%u%s%s\n", (unsigned long)r->len, ip_format(from, r->from),
               r->seq, r->ttl, t, dup ? " (DUP!)" : "");
}

static const char *unreach_text(uint8_t type, uint8_t code) {
    if (type == 11) return code ? "Frag reassembly time exceeded" : "Time to live exceeded";
    switch (code) {
    case 0: return "Destination Net Unreachable";
    case 1: return "Destination Host Unreachable";
    case 2: return "Destination Protocol Unreachable";
    case 3: return "Destination Port Unreachable";
    case 4: return "Frag needed and DF set";
    default: return "Destination Unreachable";
    }
}

static void ping_error(const struct icmp_error *e, void *arg) {
    if (e->id != ping.id) return;
    char from[16];
    ping.errors++;
    out_printf("From %s icmp_seq=%u %s\n", ip_format(from, e->from), e->seq, unreach_text(e->type, e->code));
}

static uint64_t isqrt(uint64_t v) {
    uint64_t r = 0, bit = 1ull << 62;
    while (bit > v) bit >>= 2;
    for (; bit; bit >>= 2) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
    }
    return r;
}

/* printf's %g of lost * 100 / sent, as iputils prints the loss: "0", "25", "33.3333". */
static void format_loss(char *buf, size_t size, unsigned long lost, unsigned long sent) {
    uint64_t num = (uint64_t)lost * 100;
    unsigned long whole = (unsigned long)(num / sent);
    if (num % sent == 0) {
        snprintf(buf, size, "%lu", whole);
        return;
    }
    int decimals = 6 - (whole >= 100 ? 3 : whole >= 10 ? 2 : 1);
    uint64_t scale = 1;
    for (int i = 0; i < decimals; i++) scale *= 10;
    uint64_t v = (num * scale * 2 + sent) / (2 * sent); /* rounded */
    whole = (unsigned long)(v / scale);
    uint64_t frac = v % scale;
    while (decimals > 0 && frac % 10 == 0) frac /= 10, decimals--;
    if (decimals == 0) snprintf(buf, size, "%lu", whole);
    else snprintf(buf, size, "%lu.%0*lu", whole, decimals, (unsigned long)frac);
}

/* "0.2" or "1" seconds, in milliseconds. */
static bool parse_seconds(const char *s, uint32_t *ms) {
    uint32_t whole = 0, frac = 0, scale = 1000;
    bool digits = false;
    for (; isdigit(*s); s++, digits = true) whole = whole * 10 + (uint32_t)(*s - '0');
    if (*s == '.')
        for (s++; isdigit(*s); s++, digits = true)
            if (scale > 1) scale /= 10, frac += (uint32_t)(*s - '0') * scale;
    if (*s || !digits || whole > 3600) return false;
    *ms = whole * 1000 + frac;
    return true;
}

/* ^C ends ping; other keys typed meanwhile go back to the console afterwards. */
static char typeahead[64];
static size_t ntypeahead;

static bool interrupted(void) {
    int c;
    while ((c = console_trygetc()) >= 0) {
        if (c == 0x03) return true;
        if (ntypeahead < sizeof typeahead) typeahead[ntypeahead++] = (char)c;
    }
    return false;
}

static int ping_usage(void) {
    printf("usage: ping [-c count] [-i interval] [-s size] destination\n");
    return -EINVAL;
}

static int cmd_ping(int argc, char **argv) {
    uint32_t count = 4, interval_ms = 1000, size = 56;
    const char *target = NULL;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (o[0] == '-' && o[1] && !o[2] && strchr("cis", o[1])) {
            const char *v = o[2] ? o + 2 : (i + 1 < argc ? argv[++i] : NULL);
            bool ok = v != NULL;
            if (ok && o[1] == 'c') ok = parse_u32(v, &count) && count > 0;
            if (ok && o[1] == 'i') ok = parse_seconds(v, &interval_ms) && interval_ms > 0;
            if (ok && o[1] == 's') ok = parse_u32(v, &size) && size <= ETH_MTU - IPV4_HLEN - ICMP_HLEN;
            if (!ok) {
                printf("ping: invalid argument for -%c: '%s'\n", o[1], v ? v : "");
                return -EINVAL;
            }
        } else if (o[0] == '-') {
            return ping_usage();
        } else if (!target) {
            target = o;
        } else {
            return ping_usage();
        }
    }
    if (!target) return ping_usage();
    uint32_t dst;
    if (!ip_parse(target, &dst)) {
        printf("ping: %s: Name or service not known\n", target);
        return -EINVAL;
    }
    if (!netif_count()) return no_interface("ping");
    struct netif *nif = netif_route(dst);
    if (!nif || (((dst ^ nif->ip) & nif->netmask) && !nif->gateway)) {
        printf("ping: connect: Network is unreachable\n");
        return -ENETUNREACH;
    }
    if (dst == IP_BROADCAST || (dst | nif->netmask) == IP_BROADCAST) {
        printf("Do you want to ping broadcast? Sprout does not.\n");
        return -EINVAL;
    }

    memset(&ping, 0, sizeof ping);
    ping.dst = dst;
    ping.id = (uint16_t)(timer_now() >> 4) ^ 0x5370;
    ping.size = size;
    ping.timing = size >= 8;
    ntypeahead = 0;
    icmp_set_echo_handler(ping_reply, NULL);
    icmp_set_error_handler(ping_error, NULL);
    char a[16], ours[16];
    out_printf("PING %s (%s) %lu(%lu) bytes of data.\n", target, ip_format(a, dst), (unsigned long)size,
               (unsigned long)(size + IPV4_HLEN + ICMP_HLEN));

    uint8_t data[ETH_MTU - IPV4_HLEN - ICMP_HLEN];
    for (uint32_t i = 0; i < size; i++) data[i] = (uint8_t)i;
    uint64_t start = timer_now(), next_send = start, last_deadline = start;
    uint64_t interval = (uint64_t)timer_hz() / 1000 * interval_ms;
    unsigned long sent = 0;
    bool stop = false;
    for (;;) {
        net_poll();
        if (interrupted()) {
            stop = true;
            break;
        }
        uint64_t now = timer_now();
        if (sent == count && (seen((uint16_t)sent) || now >= last_deadline)) break;
        if (sent < count && now >= next_send) {
            uint16_t seq = (uint16_t)++sent;
            if (ping.timing) {
                uint64_t stamp = timer_us();
                memcpy(data, &stamp, sizeof stamp);
            }
            int r = icmp_send_echo(nif, dst, ping.id, seq, data, size);
            now = timer_now();
            next_send = now + interval;
            last_deadline = now + (uint64_t)timer_hz() / 1000 * PING_TIMEOUT_MS;
            if (r == -EHOSTUNREACH) {
                ping.errors++;
                out_printf("From %s icmp_seq=%u Destination Host Unreachable\n", ip_format(ours, nif->ip), seq);
                last_deadline = now;
            } else if (r < 0) {
                ping.errors++;
                printf("ping: sendmsg: %s\n", strerror(r));
                last_deadline = now;
            }
            continue;
        }
        net_sleep(sent < count ? next_send : last_deadline);
    }
    uint64_t elapsed_ms = (timer_now() - start) / (timer_hz() / 1000);
    icmp_set_echo_handler(NULL, NULL);
    icmp_set_error_handler(NULL, NULL);
    if (stop) printf("^C");

    char loss[24];
    format_loss(loss, sizeof loss, sent - MIN(ping.received, sent), sent);
    out_printf("\n--- %s ping statistics ---\n", target);
    out_printf("%lu packets transmitted, %lu received", sent, ping.received);
    if (ping.duplicates) out_printf(", +%lu duplicates", ping.duplicates);
    if (ping.errors) out_printf(", +%lu errors", ping.errors);
    out_printf(", %s%% packet loss, time %lums\n", loss, (unsigned long)elapsed_ms);
    if (ping.received && ping.timing) {
        uint64_t avg = ping.rtt_sum / ping.received;
        uint64_t mean2 = ping.rtt_sum2 / ping.received;
        uint64_t mdev = isqrt(mean2 > avg * avg ? mean2 - avg * avg : 0);
        uint64_t v[4] = {ping.rtt_min, avg, ping.rtt_max, mdev};
        out_printf("rtt min/avg/max/mdev = ");
        for (int i = 0; i < 4; i++)
            out_printf("%lu.%03lu%s", (unsigned long)(v[i] / 1000), (unsigned long)(v[i] % 1000),
                       i < 3 ? "/" : " ms\n");
    }
    if (ntypeahead) console_input(typeahead, ntypeahead);
    return ping.received ? 0 : -EHOSTUNREACH;
}

const struct command net_commands[] = {
    {"ifconfig", "[interface]", "network interfaces: address, MAC, packet counters", cmd_ifconfig},
    {"ping", "[-c count] addr", "ICMP echo, as iputils (-i secs, -s bytes; ^C stops)", cmd_ping},
    {"arp", "", "the ARP cache", cmd_arp},
    {"dhcp", "[interface]", "ask the DHCP server for an address again", cmd_dhcp},
    {0, 0, 0, 0},
};
