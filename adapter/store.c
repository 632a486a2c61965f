/* SPDX-License-Identifier: Apache-2.0 */
/* store.c: the adapter's table of pod -> newest sample, with expiry, and its per-namespace
 * label index ((key, value) -> the pods carrying it) that selector walks start from.
 * Does not: do I/O, decode protobuf, validate names, or know about HTTP.
 * Threads: ingest writes, API handlers read, all under st->lock; entries are immutable once
 * linked (an update links a new entry and frees the old one after unlocking), apart from their
 * chain links, which only writers change. */
#include "store.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_gone.h"
#include "wsscale/clock.h"
#include "wsscale/selector.h"

struct entry;
struct ns_entry;

/* A pod's place in the posting list of one of its labels; lives in the pod's own block, so
 * indexing a pod allocates nothing under the lock. */
struct posting_node {
    struct posting_node *next;   /* the posting's list, in link order */
    struct posting_node **pprev; /* the link that points at this node, for O(1) unlinking */
    struct posting *head;        /* NULL: a repeated key, not indexed (the first one wins) */
    struct entry *e;
    uint64_t hash;  /* of (namespace, key, value); computed outside the lock */
    bool is_repeat; /* the key appeared earlier in the pod's labels */
};

/* The pods of one namespace carrying key=value, oldest link first (the namespace list's
 * order). Allocated under the write lock before a batch is applied, freed once empty. */
struct posting {
    struct posting *next;     /* chain in post_buckets; reused as the garbage list once unlinked */
    struct posting *next_new; /* the batch's list of postings it created */
    uint64_t hash;
    const struct ns_entry *nsp; /* compared, never dereferenced */
    struct posting_node *first;
    struct posting_node **tail;
    size_t count;
    bool is_dropped;
    size_t key_len, value_len;
    char bytes[]; /* key then value, not NUL-terminated */
};

/* One pod, allocated in one block: the struct, its label array, the NUL-terminated namespace,
 * name and UID, then the label bytes; what a selector walk reads sits in the first lines. */
struct entry {
    struct entry *next_uid;     /* chain in uid_buckets; reused as the garbage list once unlinked */
    struct entry *next_name;    /* chain in name_buckets */
    struct entry *next_in_ns;   /* the namespace's pod list, oldest first */
    struct entry **pprev_in_ns; /* the link that points at this entry, for O(1) unlinking */
    struct ns_entry *nsp;       /* the namespace it is listed in, while linked */
    uint64_t uid_hash, name_hash, ns_hash;
    size_t slot;            /* index in store.all */
    const char *ns;         /* into this block */
    const char *name;       /* into this block */
    const char *uid;        /* into this block */
    int64_t received_ms;    /* store clock when the report arrived */
    int64_t stale_after_ms; /* not servable once received_ms is older than this */
    enum store_state state;
    uint64_t active_connections;
    int64_t sample_time_unix_ms;
    uint32_t interval_ms;
    uint64_t sidecar_instance;
    uint64_t sequence;
    uint64_t link_seq;          /* store.next_link_seq when linked: the namespace list's order */
    struct posting_node *nodes; /* into this block; nlabels of them */
    size_t nlabels;
    struct wss_label labels[]; /* point into the bytes after the strings */
};

/* A namespace holding pods (or about to): its pod list, so a namespace's walk touches only its
 * own pods and compares no strings. Allocated under the write lock when a batch brings a new
 * namespace (rare, and small), dropped by the same writer once it holds no pod. */
struct ns_entry {
    struct ns_entry *next; /* chain in ns_buckets; reused as the garbage list once unlinked */
    uint64_t hash;
    struct entry *pods;  /* through entry->next_in_ns, in the order they were linked */
    struct entry **tail; /* the link a new pod goes into: &pods or &last->next_in_ns */
    size_t npods;
    bool is_dropped; /* unlinked, waiting to be freed after the lock is released */
    char name[STORE_NS_MAX + 1];
};

struct store {
    pthread_rwlock_t lock;
    struct store_config cfg;
    size_t nbuckets;               /* power of two, >= 2 x max_pods; fixed, so never rehashed */
    struct entry **uid_buckets;    /* owned; shared under lock */
    struct entry **name_buckets;   /* owned; shared under lock */
    struct ns_entry **ns_buckets;  /* owned; under lock; every non-dropped ns_entry */
    struct entry **all;            /* owned; max_pods slots, [0, count) in use; under lock */
    size_t count;                  /* under lock */
    struct posting **post_buckets; /* owned; under lock; nbuckets chains, every live posting */
    uint64_t next_link_seq;        /* under lock */
    size_t npostings;              /* under lock; postings in post_buckets */
    struct store_gone *gone;       /* owned; under lock; UIDs the pod watch said are gone */
    int64_t gone_ms;               /* how long a gone UID's reports are refused */
    uint64_t refused_gone;         /* under lock; reports refused for a gone UID */
};

static int64_t mono_ms(void *arg)
{
    (void)arg;
    return wss_clock_mono_ms();
}

/* FNV-1a, 64 bits; the seed lets the name hash cover two strings. */
static uint64_t hash_bytes(uint64_t h, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

#define HASH_SEED 0xcbf29ce484222325ULL

static uint64_t hash_name(const char *ns, size_t ns_len, const char *name, size_t name_len)
{
    uint64_t h = hash_bytes(HASH_SEED, ns, ns_len);
    h = hash_bytes(h ^ 0xff, "/", 1);
    return hash_bytes(h, name, name_len);
}

/* The label index's hash of (namespace, key, value), from the namespace's own hash. */
static uint64_t hash_posting(uint64_t ns_hash, const char *key, size_t key_len, const char *value,
                             size_t value_len)
{
    uint64_t h = hash_bytes(ns_hash ^ 0xff, key, key_len);
    h = hash_bytes(h ^ 0xfe, "=", 1);
    return hash_bytes(h, value, value_len);
}

static bool str_eq(const char *z, const char *s, size_t len)
{
    return strlen(z) == len && memcmp(z, s, len) == 0;
}

static struct ns_entry *find_ns(const struct store *st, uint64_t h, const char *ns, size_t len)
{
    for (struct ns_entry *n = st->ns_buckets[h & (st->nbuckets - 1)]; n; n = n->next)
        if (n->hash == h && str_eq(n->name, ns, len))
            return n;
    return NULL;
}

/* Makes sure every namespace the batch names has its ns_entry, so applying it cannot fail
 * halfway. STORE_E_NO_MEMORY leaves only empty entries, which drop_empty_namespaces removes. */
static int add_namespaces(struct store *st, const struct store_update *ups, size_t n)
{
    const struct store_update *last = NULL; /* batches mostly name one namespace throughout */
    for (size_t i = 0; i < n; i++) {
        if (ups[i].is_final || (last && ups[i].ns_len == last->ns_len &&
                                memcmp(ups[i].ns, last->ns, ups[i].ns_len) == 0))
            continue;
        last = &ups[i];
        uint64_t h = hash_bytes(HASH_SEED, ups[i].ns, ups[i].ns_len);
        if (find_ns(st, h, ups[i].ns, ups[i].ns_len))
            continue;
        struct ns_entry *ns = calloc(1, sizeof(*ns));
        if (!ns)
            return STORE_E_NO_MEMORY;
        ns->hash = h;
        ns->tail = &ns->pods;
        memcpy(ns->name, ups[i].ns, ups[i].ns_len); /* check_limits bounded ns_len */
        struct ns_entry **b = &st->ns_buckets[h & (st->nbuckets - 1)];
        ns->next = *b;
        *b = ns;
    }
    return 0;
}

static void drop_if_empty(struct store *st, struct ns_entry *ns, struct ns_entry **dropped)
{
    if (ns->npods != 0 || ns->is_dropped)
        return;
    struct ns_entry **pp = &st->ns_buckets[ns->hash & (st->nbuckets - 1)];
    while (*pp != ns)
        pp = &(*pp)->next;
    *pp = ns->next;
    ns->is_dropped = true;
    ns->next = *dropped;
    *dropped = ns;
}

/* Unlinks the namespaces left empty by the pods in garbage or never filled by the batch ups; they
 * go on *dropped, to be freed once the lock is released. */
static void drop_empty_namespaces(struct store *st, const struct entry *garbage,
                                  const struct store_update *ups, size_t n,
                                  struct ns_entry **dropped)
{
    for (const struct entry *e = garbage; e; e = e->next_uid)
        drop_if_empty(st, e->nsp, dropped);
    for (size_t i = 0; i < n; i++) {
        struct ns_entry *ns =
            find_ns(st, hash_bytes(HASH_SEED, ups[i].ns, ups[i].ns_len), ups[i].ns, ups[i].ns_len);
        if (ns)
            drop_if_empty(st, ns, dropped);
    }
}

static struct posting *find_posting(const struct store *st, uint64_t h, const struct ns_entry *ns,
                                    const char *key, size_t key_len, const char *value,
                                    size_t value_len)
{
    for (struct posting *p = st->post_buckets[h & (st->nbuckets - 1)]; p; p = p->next)
        if (p->hash == h && p->nsp == ns && p->key_len == key_len && p->value_len == value_len &&
            memcmp(p->bytes, key, key_len) == 0 &&
            memcmp(p->bytes + key_len, value, value_len) == 0)
            return p;
    return NULL;
}

/* Points every indexed label of the batch's built entries at its posting, creating the missing
 * ones (chained on *created), so linking cannot fail halfway. Runs after add_namespaces.
 * STORE_E_NO_MEMORY leaves only empty postings, which drop_empty_postings removes. */
static int add_postings(struct store *st, struct entry **built, size_t n, struct posting **created)
{
    for (size_t i = 0; i < n; i++) {
        struct entry *e = built[i];
        if (!e)
            continue;
        e->nsp = find_ns(st, e->ns_hash, e->ns, strlen(e->ns));
        for (size_t j = 0; j < e->nlabels; j++) {
            struct posting_node *nd = &e->nodes[j];
            const struct wss_label *l = &e->labels[j];
            if (nd->is_repeat)
                continue;
            nd->head =
                find_posting(st, nd->hash, e->nsp, l->key, l->key_len, l->value, l->value_len);
            if (nd->head)
                continue;
            struct posting *p = malloc(sizeof(*p) + l->key_len + l->value_len);
            if (!p)
                return STORE_E_NO_MEMORY;
            memset(p, 0, sizeof(*p));
            p->hash = nd->hash;
            p->nsp = e->nsp;
            p->tail = &p->first;
            p->key_len = l->key_len;
            p->value_len = l->value_len;
            if (l->key_len)
                memcpy(p->bytes, l->key, l->key_len);
            if (l->value_len)
                memcpy(p->bytes + l->key_len, l->value, l->value_len);
            struct posting **b = &st->post_buckets[p->hash & (st->nbuckets - 1)];
            p->next = *b;
            *b = p;
            st->npostings++;
            p->next_new = *created;
            *created = p;
            nd->head = p;
        }
    }
    return 0;
}

static void drop_posting_if_empty(struct store *st, struct posting *p, struct posting **dropped)
{
    if (p->count != 0 || p->is_dropped)
        return;
    struct posting **pp = &st->post_buckets[p->hash & (st->nbuckets - 1)];
    while (*pp != p)
        pp = &(*pp)->next;
    *pp = p->next;
    st->npostings--;
    p->is_dropped = true;
    p->next = *dropped;
    *dropped = p;
}

/* Unlinks the postings left empty by the pods in garbage or created by this batch and never
 * filled; they go on *dropped, to be freed once the lock is released. */
static void drop_empty_postings(struct store *st, const struct entry *garbage,
                                struct posting *created, struct posting **dropped)
{
    for (const struct entry *e = garbage; e; e = e->next_uid)
        for (size_t j = 0; j < e->nlabels; j++)
            if (e->nodes[j].head)
                drop_posting_if_empty(st, e->nodes[j].head, dropped);
    for (struct posting *p = created; p; p = p->next_new)
        drop_posting_if_empty(st, p, dropped);
}

static void free_postings(struct posting *p)
{
    while (p) {
        struct posting *next = p->next;
        free(p);
        p = next;
    }
}

static void free_namespaces(struct ns_entry *ns)
{
    while (ns) {
        struct ns_entry *next = ns->next;
        free(ns);
        ns = next;
    }
}

struct store *store_new(const struct store_config *cfg)
{
    struct store *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    if (cfg)
        st->cfg = *cfg;
    if (st->cfg.max_pods == 0)
        st->cfg.max_pods = STORE_DEFAULT_MAX_PODS;
    if (st->cfg.max_labels == 0)
        st->cfg.max_labels = STORE_DEFAULT_MAX_LABELS;
    if (st->cfg.max_label_bytes == 0)
        st->cfg.max_label_bytes = STORE_DEFAULT_MAX_LABEL_BYTES;
    if (!st->cfg.now_ms)
        st->cfg.now_ms = mono_ms;
    st->nbuckets = 16;
    while (st->nbuckets < 2 * st->cfg.max_pods)
        st->nbuckets *= 2;
    st->uid_buckets = calloc(st->nbuckets, sizeof(*st->uid_buckets));
    st->name_buckets = calloc(st->nbuckets, sizeof(*st->name_buckets));
    st->ns_buckets = calloc(st->nbuckets, sizeof(*st->ns_buckets));
    st->all = calloc(st->cfg.max_pods, sizeof(*st->all));
    st->post_buckets = calloc(st->nbuckets, sizeof(*st->post_buckets));
    st->gone = store_gone_new();
    st->gone_ms = st->cfg.gone_ms > 0          ? st->cfg.gone_ms
                  : st->cfg.stale_after_ms > 0 ? STORE_GONE_STALE_TIMES * st->cfg.stale_after_ms
                                               : STORE_GONE_STALE_TIMES * STORE_STALE_CAP_MS;
    if (!st->uid_buckets || !st->name_buckets || !st->ns_buckets || !st->all || !st->post_buckets ||
        !st->gone)
        goto fail;
    pthread_rwlockattr_t attr;
    if (pthread_rwlockattr_init(&attr) != 0)
        goto fail;
    /* Many API readers must not starve the ingest writer. */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    int rc = pthread_rwlock_init(&st->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (rc != 0)
        goto fail;
    return st;
fail:
    store_gone_free(st->gone);
    free(st->uid_buckets);
    free(st->name_buckets);
    free(st->ns_buckets);
    free(st->all);
    free(st->post_buckets);
    free(st);
    return NULL;
}

void store_free(struct store *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->count; i++)
        free(st->all[i]);
    for (size_t i = 0; i < st->nbuckets; i++) {
        free_namespaces(st->ns_buckets[i]);
        free_postings(st->post_buckets[i]);
    }
    pthread_rwlock_destroy(&st->lock);
    free(st->all);
    free(st->uid_buckets);
    free(st->name_buckets);
    free(st->ns_buckets);
    free(st->post_buckets);
    store_gone_free(st->gone);
    free(st);
}

static int64_t stale_after_for(const struct store *st, uint32_t interval_ms)
{
    if (st->cfg.stale_after_ms > 0)
        return st->cfg.stale_after_ms;
    int64_t ms = (int64_t)interval_ms * STORE_STALE_INTERVALS;
    return (ms <= 0 || ms > STORE_STALE_CAP_MS) ? STORE_STALE_CAP_MS : ms;
}

static size_t label_bytes(const struct store_update *u)
{
    size_t n = 0;
    for (size_t i = 0; i < u->nlabels; i++)
        n += u->labels[i].key_len + u->labels[i].value_len;
    return n;
}

static int check_limits(const struct store *st, const struct store_update *u, char *msg,
                        size_t msg_len)
{
    const char *what = NULL;
    if (u->ns_len == 0 || u->ns_len > STORE_NS_MAX)
        what = "namespace length";
    else if (u->name_len == 0 || u->name_len > STORE_NAME_MAX)
        what = "pod name length";
    else if (u->uid_len == 0 || u->uid_len > STORE_UID_MAX)
        what = "pod UID length";
    else if (u->nlabels > st->cfg.max_labels)
        what = "label count";
    else if (label_bytes(u) > st->cfg.max_label_bytes)
        what = "label bytes";
    if (!what)
        return 0;
    if (msg && msg_len)
        snprintf(msg, msg_len, "%s out of bounds", what);
    return STORE_E_LIMIT;
}

static struct entry *build_entry(const struct store *st, const struct store_update *u, int64_t now)
{
    size_t strings = u->ns_len + 1 + u->name_len + 1 + u->uid_len + 1;
    size_t bytes = label_bytes(u);
    struct entry *e = malloc(sizeof(*e) + u->nlabels * sizeof(struct wss_label) +
                             u->nlabels * sizeof(struct posting_node) + strings + bytes);
    if (!e)
        return NULL;
    memset(e, 0, sizeof(*e));
    e->nodes = (struct posting_node *)(e->labels + u->nlabels);
    char *p = (char *)(e->nodes + u->nlabels);
    e->ns = p;
    memcpy(p, u->ns, u->ns_len);
    p[u->ns_len] = '\0';
    p += u->ns_len + 1;
    e->name = p;
    memcpy(p, u->name, u->name_len);
    p[u->name_len] = '\0';
    p += u->name_len + 1;
    e->uid = p;
    memcpy(p, u->uid, u->uid_len);
    p[u->uid_len] = '\0';
    p += u->uid_len + 1;
    e->uid_hash = hash_bytes(HASH_SEED, u->uid, u->uid_len);
    e->name_hash = hash_name(u->ns, u->ns_len, u->name, u->name_len);
    e->ns_hash = hash_bytes(HASH_SEED, u->ns, u->ns_len);
    e->received_ms = now;
    e->stale_after_ms = stale_after_for(st, u->interval_ms);
    e->state = u->state;
    e->active_connections = u->active_connections;
    e->sample_time_unix_ms = u->sample_time_unix_ms;
    e->interval_ms = u->interval_ms;
    e->sidecar_instance = u->sidecar_instance;
    e->sequence = u->sequence;
    e->nlabels = u->nlabels;
    for (size_t i = 0; i < u->nlabels; i++) {
        const struct wss_label *l = &u->labels[i];
        if (l->key_len)
            memcpy(p, l->key, l->key_len);
        e->labels[i].key = p;
        e->labels[i].key_len = l->key_len;
        p += l->key_len;
        if (l->value_len)
            memcpy(p, l->value, l->value_len);
        e->labels[i].value = p;
        e->labels[i].value_len = l->value_len;
        p += l->value_len;
        struct posting_node *nd = &e->nodes[i];
        *nd = (struct posting_node){.e = e};
        for (size_t j = 0; j < i && !nd->is_repeat; j++)
            nd->is_repeat = l->key_len == u->labels[j].key_len &&
                            memcmp(l->key, u->labels[j].key, l->key_len) == 0;
        nd->hash = hash_posting(e->ns_hash, l->key, l->key_len, l->value, l->value_len);
    }
    return e;
}

/* Under the lock from here down. */

static struct entry *find_uid(const struct store *st, uint64_t h, const char *uid, size_t len)
{
    for (struct entry *e = st->uid_buckets[h & (st->nbuckets - 1)]; e; e = e->next_uid)
        if (e->uid_hash == h && str_eq(e->uid, uid, len))
            return e;
    return NULL;
}

static struct entry *find_name(const struct store *st, uint64_t h, const char *ns, size_t ns_len,
                               const char *name, size_t name_len)
{
    for (struct entry *e = st->name_buckets[h & (st->nbuckets - 1)]; e; e = e->next_name)
        if (e->name_hash == h && str_eq(e->ns, ns, ns_len) && str_eq(e->name, name, name_len))
            return e;
    return NULL;
}

static void link_entry(struct store *st, struct entry *e)
{
    struct entry **ub = &st->uid_buckets[e->uid_hash & (st->nbuckets - 1)];
    struct entry **nb = &st->name_buckets[e->name_hash & (st->nbuckets - 1)];
    e->next_uid = *ub;
    *ub = e;
    e->next_name = *nb;
    *nb = e;
    /* add_namespaces made sure it exists, and add_postings set it and every label's posting. */
    struct ns_entry *ns = e->nsp;
    e->link_seq = st->next_link_seq++;
    for (size_t j = 0; j < e->nlabels; j++) {
        struct posting_node *nd = &e->nodes[j];
        struct posting *p = nd->head;
        if (!p)
            continue;
        nd->next = NULL;
        nd->pprev = p->tail;
        *p->tail = nd;
        p->tail = &nd->next;
        p->count++;
    }
    e->next_in_ns = NULL;
    e->pprev_in_ns = ns->tail;
    *ns->tail = e;
    ns->tail = &e->next_in_ns;
    ns->npods++;
    e->slot = st->count;
    st->all[st->count++] = e;
}

/* Unlinks e from both chains and pushes it onto *garbage (through next_uid). */
static void unlink_entry(struct store *st, struct entry *e, struct entry **garbage)
{
    struct entry **pp = &st->uid_buckets[e->uid_hash & (st->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->next_uid;
    *pp = e->next_uid;
    pp = &st->name_buckets[e->name_hash & (st->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->next_name;
    *pp = e->next_name;
    *e->pprev_in_ns = e->next_in_ns;
    if (e->next_in_ns)
        e->next_in_ns->pprev_in_ns = e->pprev_in_ns;
    else
        e->nsp->tail = e->pprev_in_ns;
    e->nsp->npods--;
    for (size_t j = 0; j < e->nlabels; j++) {
        struct posting_node *nd = &e->nodes[j];
        if (!nd->head)
            continue;
        *nd->pprev = nd->next;
        if (nd->next)
            nd->next->pprev = nd->pprev;
        else
            nd->head->tail = nd->pprev;
        nd->head->count--;
    }
    st->all[e->slot] = st->all[--st->count];
    st->all[e->slot]->slot = e->slot;
    e->next_uid = *garbage;
    *garbage = e;
}

static bool is_expired(const struct entry *e, int64_t now)
{
    return now - e->received_ms > e->stale_after_ms;
}

static size_t sweep(struct store *st, int64_t now, struct entry **garbage)
{
    size_t n = 0;
    size_t i = 0;
    while (i < st->count) {
        if (is_expired(st->all[i], now)) {
            unlink_entry(st, st->all[i], garbage); /* moves the last pod into slot i */
            n++;
        } else {
            i++;
        }
    }
    return n;
}

/* New pods the batch would add: non-final updates whose UID is neither stored nor earlier in
 * the batch. Conservative: a pod that a same-name update would replace still counts. */
static size_t new_pods_needed(const struct store *st, const struct store_update *ups, size_t n)
{
    size_t need = 0;
    for (size_t i = 0; i < n; i++) {
        if (ups[i].is_final)
            continue;
        uint64_t h = hash_bytes(HASH_SEED, ups[i].uid, ups[i].uid_len);
        if (find_uid(st, h, ups[i].uid, ups[i].uid_len))
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = !ups[j].is_final && ups[j].uid_len == ups[i].uid_len &&
                   memcmp(ups[j].uid, ups[i].uid, ups[i].uid_len) == 0;
        if (!seen)
            need++;
    }
    return need;
}

static void free_list(struct entry *e)
{
    while (e) {
        struct entry *next = e->next_uid;
        free(e);
        e = next;
    }
}

/* Applies one update whose entry (NULL for a final report) is already built. */
static void apply_one(struct store *st, const struct store_update *u, struct entry *built,
                      int64_t now, struct entry **garbage, struct store_apply_result *res)
{
    if (store_gone_has(st->gone, u->uid, u->uid_len, now)) {
        st->refused_gone++;
        res->ignored++;
        free(built);
        return;
    }
    uint64_t h = hash_bytes(HASH_SEED, u->uid, u->uid_len);
    struct entry *old = find_uid(st, h, u->uid, u->uid_len);
    if (old) {
        bool is_older = old->sidecar_instance == u->sidecar_instance
                            ? u->sequence <= old->sequence
                            : u->sample_time_unix_ms < old->sample_time_unix_ms;
        if (is_older) {
            res->ignored++;
            free(built);
            return;
        }
        unlink_entry(st, old, garbage);
        if (u->is_final) {
            res->removed++;
            return;
        }
    } else if (u->is_final) {
        res->ignored++;
        return;
    }
    /* A pod name is unique at any instant: a new UID under it means the old pod is gone,
     * unless the "new" report is the older one. */
    struct entry *same = find_name(st, built->name_hash, u->ns, u->ns_len, u->name, u->name_len);
    if (same) {
        if (same->sample_time_unix_ms > u->sample_time_unix_ms) {
            res->ignored++;
            free(built);
            return;
        }
        unlink_entry(st, same, garbage);
    }
    link_entry(st, built);
    res->stored++;
}

int store_apply(struct store *st, const struct store_update *ups, size_t n,
                struct store_apply_result *res, char *msg, size_t msg_len)
{
    struct store_apply_result local = {0};
    if (!res)
        res = &local;
    *res = (struct store_apply_result){0};
    for (size_t i = 0; i < n; i++) {
        int rc = check_limits(st, &ups[i], msg, msg_len);
        if (rc != 0)
            return rc;
    }
    struct entry **built = calloc(n ? n : 1, sizeof(*built));
    if (!built)
        goto no_memory;
    int64_t now = st->cfg.now_ms(st->cfg.clock_arg);
    for (size_t i = 0; i < n; i++) {
        if (ups[i].is_final)
            continue;
        built[i] = build_entry(st, &ups[i], now);
        if (!built[i])
            goto no_memory;
    }

    struct entry *garbage = NULL;
    struct ns_entry *dropped = NULL;
    struct posting *created = NULL, *dropped_postings = NULL;
    int rc = 0;
    if (pthread_rwlock_wrlock(&st->lock) != 0)
        goto no_memory;
    size_t need = new_pods_needed(st, ups, n);
    if (st->count + need > st->cfg.max_pods)
        sweep(st, now, &garbage);
    if (st->count + need > st->cfg.max_pods) {
        rc = STORE_E_FULL;
        if (msg && msg_len)
            snprintf(msg, msg_len, "the store holds its maximum of %zu pods", st->cfg.max_pods);
    } else if (add_namespaces(st, ups, n) != 0 || add_postings(st, built, n, &created) != 0) {
        rc = STORE_E_NO_MEMORY;
        if (msg && msg_len)
            snprintf(msg, msg_len, "out of memory");
    } else {
        for (size_t i = 0; i < n; i++) {
            apply_one(st, &ups[i], built[i], now, &garbage, res);
            built[i] = NULL;
        }
    }
    drop_empty_postings(st, garbage, created, &dropped_postings);
    drop_empty_namespaces(st, garbage, ups, n, &dropped);
    pthread_rwlock_unlock(&st->lock);

    free_list(garbage);
    free_postings(dropped_postings);
    free_namespaces(dropped);
    for (size_t i = 0; i < n; i++)
        free(built[i]);
    free(built);
    return rc;

no_memory:
    if (built)
        for (size_t i = 0; i < n; i++)
            free(built[i]);
    free(built);
    if (msg && msg_len)
        snprintf(msg, msg_len, "out of memory");
    return STORE_E_NO_MEMORY;
}

/* Ends a removal under the write lock: unlinks the postings and namespaces the removed entries
 * (garbage) left empty, unlocks, then frees all of it outside the lock. */
static void unlock_dropping(struct store *st, struct entry *garbage)
{
    struct ns_entry *dropped = NULL;
    struct posting *dropped_postings = NULL;
    drop_empty_postings(st, garbage, NULL, &dropped_postings);
    drop_empty_namespaces(st, garbage, NULL, 0, &dropped);
    pthread_rwlock_unlock(&st->lock);
    free_list(garbage);
    free_postings(dropped_postings);
    free_namespaces(dropped);
}

size_t store_expire(struct store *st)
{
    struct entry *garbage = NULL;
    int64_t now = st->cfg.now_ms(st->cfg.clock_arg);
    if (pthread_rwlock_wrlock(&st->lock) != 0)
        return 0;
    size_t n = sweep(st, now, &garbage);
    unlock_dropping(st, garbage);
    return n;
}

static void fill_view(const struct entry *e, int64_t now, struct store_pod_view *v)
{
    *v = (struct store_pod_view){
        .ns = e->ns,
        .name = e->name,
        .uid = e->uid,
        .labels = e->labels,
        .nlabels = e->nlabels,
        .state = e->state,
        .active_connections = e->active_connections,
        .sample_time_unix_ms = e->sample_time_unix_ms,
        .interval_ms = e->interval_ms,
        .sidecar_instance = e->sidecar_instance,
        .sequence = e->sequence,
        .is_servable = e->state == STORE_STATE_OK && !is_expired(e, now),
    };
}

void store_visit(struct store *st, const char *ns, store_visit_cb cb, void *arg)
{
    int64_t now = st->cfg.now_ms(st->cfg.clock_arg);
    if (pthread_rwlock_rdlock(&st->lock) != 0)
        return;
    bool go_on = true;
    struct store_pod_view v;
    if (ns == NULL) {
        for (size_t i = 0; i < st->count && go_on; i++) {
            fill_view(st->all[i], now, &v);
            go_on = cb(&v, arg);
        }
    } else {
        size_t len = strlen(ns);
        const struct ns_entry *n = find_ns(st, hash_bytes(HASH_SEED, ns, len), ns, len);
        for (const struct entry *e = n ? n->pods : NULL; e && go_on; e = e->next_in_ns) {
            fill_view(e, now, &v);
            go_on = cb(&v, arg);
        }
    }
    pthread_rwlock_unlock(&st->lock);
}

static bool is_indexable(const struct wss_sel_req *r)
{
    return (r->op == WSS_SEL_OP_EQUALS || r->op == WSS_SEL_OP_DOUBLE_EQUALS ||
            r->op == WSS_SEL_OP_IN) &&
           r->nvalues >= 1 && r->nvalues <= STORE_INDEX_MERGE_MAX;
}

/* Fills heads[] with the postings of r's values (NULL where no pod carries one) and returns
 * how many pods they hold together. A value listed twice gets NULL the second time, so no pod is
 * visited twice whatever the caller put in the selector. */
static size_t lookup_values(const struct store *st, const struct ns_entry *ns,
                            const struct wss_selector *sel, const struct wss_sel_req *r,
                            struct posting **heads)
{
    size_t total = 0;
    for (size_t i = 0; i < r->nvalues; i++) {
        const struct wss_sel_value *v = &sel->values[r->first_value + i];
        bool is_repeat = false;
        for (size_t j = 0; j < i && !is_repeat; j++) {
            const struct wss_sel_value *w = &sel->values[r->first_value + j];
            is_repeat = w->len == v->len && (v->len == 0 || memcmp(w->ptr, v->ptr, v->len) == 0);
        }
        heads[i] = NULL;
        if (is_repeat)
            continue;
        uint64_t h = hash_posting(ns->hash, r->key, r->key_len, v->ptr, v->len);
        heads[i] = find_posting(st, h, ns, r->key, r->key_len, v->ptr, v->len);
        if (heads[i])
            total += heads[i]->count;
    }
    return total;
}

/* Walks the union of the postings in link order (a merge on link_seq: each posting is in that
 * order already, and a pod carries one value per key, so the lists are disjoint). */
static void walk_postings(struct posting *const *heads, size_t nheads,
                          const struct wss_selector *sel, int64_t now, store_visit_cb cb, void *arg)
{
    const struct posting_node *cur[STORE_INDEX_MERGE_MAX];
    for (size_t i = 0; i < nheads; i++)
        cur[i] = heads[i] ? heads[i]->first : NULL;
    struct store_pod_view v;
    for (;;) {
        size_t pick = nheads;
        for (size_t i = 0; i < nheads; i++)
            if (cur[i] && (pick == nheads || cur[i]->e->link_seq < cur[pick]->e->link_seq))
                pick = i;
        if (pick == nheads)
            return;
        const struct entry *e = cur[pick]->e;
        cur[pick] = cur[pick]->next;
        if (!wss_selector_matches(sel, e->labels, e->nlabels))
            continue;
        fill_view(e, now, &v);
        if (!cb(&v, arg))
            return;
    }
}

void store_visit_selected(struct store *st, const char *ns, const struct wss_selector *sel,
                          store_visit_cb cb, void *arg)
{
    int64_t now = st->cfg.now_ms(st->cfg.clock_arg);
    if (pthread_rwlock_rdlock(&st->lock) != 0)
        return;
    const struct ns_entry *n = NULL;
    if (ns) {
        size_t len = strlen(ns);
        n = find_ns(st, hash_bytes(HASH_SEED, ns, len), ns, len);
        if (!n)
            goto done;
    }
    struct posting *best[STORE_INDEX_MERGE_MAX], *heads[STORE_INDEX_MERGE_MAX];
    size_t best_n = 0, best_total = SIZE_MAX;
    for (size_t i = 0; n && sel && i < sel->nreqs && best_total != 0; i++) {
        const struct wss_sel_req *r = &sel->reqs[i];
        if (!is_indexable(r))
            continue;
        size_t total = lookup_values(st, n, sel, r, heads);
        if (total < best_total) {
            best_total = total;
            best_n = r->nvalues;
            memcpy(best, heads, best_n * sizeof(*best));
        }
    }
    if (best_total != SIZE_MAX) {
        walk_postings(best, best_n, sel, now, cb, arg);
        goto done;
    }
    /* No requirement can use the index: the namespace's walk (or the whole store's). */
    bool go_on = true;
    struct store_pod_view v;
    if (n) {
        for (const struct entry *e = n->pods; e && go_on; e = e->next_in_ns) {
            if (sel && !wss_selector_matches(sel, e->labels, e->nlabels))
                continue;
            fill_view(e, now, &v);
            go_on = cb(&v, arg);
        }
    } else {
        for (size_t i = 0; i < st->count && go_on; i++) {
            const struct entry *e = st->all[i];
            if (sel && !wss_selector_matches(sel, e->labels, e->nlabels))
                continue;
            fill_view(e, now, &v);
            go_on = cb(&v, arg);
        }
    }
done:
    pthread_rwlock_unlock(&st->lock);
}

bool store_find(struct store *st, const char *ns, const char *name, store_visit_cb cb, void *arg)
{
    size_t ns_len = strlen(ns), name_len = strlen(name);
    uint64_t h = hash_name(ns, ns_len, name, name_len);
    int64_t now = st->cfg.now_ms(st->cfg.clock_arg);
    if (pthread_rwlock_rdlock(&st->lock) != 0)
        return false;
    const struct entry *e = find_name(st, h, ns, ns_len, name, name_len);
    if (e) {
        struct store_pod_view v;
        fill_view(e, now, &v);
        cb(&v, arg);
    }
    pthread_rwlock_unlock(&st->lock);
    return e != NULL;
}

size_t store_postings(struct store *st)
{
    if (pthread_rwlock_rdlock(&st->lock) != 0)
        return 0;
    size_t n = st->npostings;
    pthread_rwlock_unlock(&st->lock);
    return n;
}

size_t store_count(struct store *st)
{
    if (pthread_rwlock_rdlock(&st->lock) != 0)
        return 0;
    size_t n = st->count;
    pthread_rwlock_unlock(&st->lock);
    return n;
}

static bool forget(struct store *st, const char *uid, size_t uid_len, bool is_held_only)
{
    struct entry *garbage = NULL;
    int64_t now = st->cfg.now_ms(st->cfg.clock_arg);
    if (pthread_rwlock_wrlock(&st->lock) != 0)
        return false;
    struct entry *e = find_uid(st, hash_bytes(HASH_SEED, uid, uid_len), uid, uid_len);
    if (e != NULL || !is_held_only)
        store_gone_add(st->gone, uid, uid_len, now + st->gone_ms);
    if (e)
        unlink_entry(st, e, &garbage);
    unlock_dropping(st, garbage);
    return e != NULL;
}

bool store_forget(struct store *st, const char *uid, size_t uid_len)
{
    return forget(st, uid, uid_len, false);
}

bool store_forget_held(struct store *st, const char *uid, size_t uid_len)
{
    return forget(st, uid, uid_len, true);
}

uint64_t store_refused_gone(struct store *st)
{
    uint64_t n = 0;
    if (pthread_rwlock_rdlock(&st->lock) == 0) {
        n = st->refused_gone;
        pthread_rwlock_unlock(&st->lock);
    }
    return n;
}
