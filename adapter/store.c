/* SPDX-License-Identifier: Apache-2.0 */
/* store.c: the adapter's table of pod -> newest sample, with expiry.
 * Does not: do I/O, decode protobuf, validate names, or know about HTTP.
 * Threads: ingest writes, API handlers read, all under st->lock; entries are immutable once
 * linked (an update links a new entry and frees the old one after unlocking), apart from their
 * chain links, which only writers change. */
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsscale/clock.h"

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
    size_t nbuckets;              /* power of two, >= 2 x max_pods; fixed, so never rehashed */
    struct entry **uid_buckets;   /* owned; shared under lock */
    struct entry **name_buckets;  /* owned; shared under lock */
    struct ns_entry **ns_buckets; /* owned; under lock; every non-dropped ns_entry */
    struct entry **all;           /* owned; max_pods slots, [0, count) in use; under lock */
    size_t count;                 /* under lock */
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
    if (!st->uid_buckets || !st->name_buckets || !st->ns_buckets || !st->all)
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
    free(st->uid_buckets);
    free(st->name_buckets);
    free(st->ns_buckets);
    free(st->all);
    free(st);
    return NULL;
}

void store_free(struct store *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->count; i++)
        free(st->all[i]);
    for (size_t i = 0; i < st->nbuckets; i++)
        free_namespaces(st->ns_buckets[i]);
    pthread_rwlock_destroy(&st->lock);
    free(st->all);
    free(st->uid_buckets);
    free(st->name_buckets);
    free(st->ns_buckets);
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
    struct entry *e = malloc(sizeof(*e) + u->nlabels * sizeof(struct wss_label) + strings + bytes);
    if (!e)
        return NULL;
    memset(e, 0, sizeof(*e));
    char *p = (char *)(e->labels + u->nlabels);
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
    /* add_namespaces made sure it exists. */
    struct ns_entry *ns = find_ns(st, e->ns_hash, e->ns, strlen(e->ns));
    e->nsp = ns;
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
                      struct entry **garbage, struct store_apply_result *res)
{
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
    } else if (add_namespaces(st, ups, n) != 0) {
        rc = STORE_E_NO_MEMORY;
        if (msg && msg_len)
            snprintf(msg, msg_len, "out of memory");
    } else {
        for (size_t i = 0; i < n; i++) {
            apply_one(st, &ups[i], built[i], &garbage, res);
            built[i] = NULL;
        }
    }
    drop_empty_namespaces(st, garbage, ups, n, &dropped);
    pthread_rwlock_unlock(&st->lock);

    free_list(garbage);
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

size_t store_expire(struct store *st)
{
    struct entry *garbage = NULL;
    int64_t now = st->cfg.now_ms(st->cfg.clock_arg);
    if (pthread_rwlock_wrlock(&st->lock) != 0)
        return 0;
    size_t n = sweep(st, now, &garbage);
    struct ns_entry *dropped = NULL;
    drop_empty_namespaces(st, garbage, NULL, 0, &dropped);
    pthread_rwlock_unlock(&st->lock);
    free_list(garbage);
    free_namespaces(dropped);
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

size_t store_count(struct store *st)
{
    if (pthread_rwlock_rdlock(&st->lock) != 0)
        return 0;
    size_t n = st->count;
    pthread_rwlock_unlock(&st->lock);
    return n;
}
