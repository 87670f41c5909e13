/* The thread pool and per-thread scratch memory of the native kernels. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

/* ------------------------------------------------------------------------ */
/*
 * Thread pool: the calling thread works too; tasks are taken from a counter,
 * so which thread runs which task depends on timing. No kernel lets that
 * change a result: a task writes only its own part of the output, or sums
 * into its own buffer (ordered_sum), combined in task order afterwards.
 */

static struct {
  int threads; /* workers + the caller */
  pthread_t ids[MAX_THREADS];
  pthread_mutex_t mu;
  pthread_cond_t start_cv;
  pthread_cond_t done_cv;
  atomic_ulong generation; /* one more per job */
  atomic_int busy;         /* workers still on the current job */
  atomic_int stop;
  atomic_int sleepers;        /* workers waiting on start_cv, or about to */
  atomic_int caller_sleeping; /* the caller waits on done_cv, or is about to */
  task_fn fn;
  const void *ctx;
  int tasks;
  atomic_int next;
} pool = {1, {0}, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0,
          NULL, NULL, 0, 0};

/* One call at a time: several Node.js threads may load this addon. */
static pthread_mutex_t call_mu = PTHREAD_MUTEX_INITIALIZER;

void addon_lock(void) { pthread_mutex_lock(&call_mu); }
void addon_unlock(void) { pthread_mutex_unlock(&call_mu); }

static void run_tasks(int thread) {
  for (;;) {
    int t = atomic_fetch_add(&pool.next, 1);
    if (t >= pool.tasks) return;
    pool.fn(pool.ctx, t, thread);
  }
}

/*
 * How long a worker keeps polling for the next job, and the caller for the workers' end, before
 * sleeping on a condition variable: about 100 microseconds. A training step runs dozens of
 * kernels of 0.1-3 ms with a few tens of microseconds of JavaScript between them; waking a
 * sleeping thread takes a system call and, in a virtual machine, an interrupt to another virtual
 * CPU (tens of microseconds), during which the caller works alone: a depthwise convolution of
 * bench:train's net took 0.45 ms on 2 threads and 0.51 ms on 1. The polling costs nothing once
 * a thread sleeps, and a worker sleeps after 100 microseconds without work.
 */
#define SPIN_CYCLES 200000ull

static inline void pause_cpu(void) { __builtin_ia32_pause(); }

/* Polls `generation` until it differs from `seen` or the spin budget is spent; returns whether it changed. */
static int spin_for_job(unsigned long seen) {
  const unsigned long long until = __builtin_ia32_rdtsc() + SPIN_CYCLES;
  do {
    if (atomic_load(&pool.generation) != seen || atomic_load(&pool.stop)) return 1;
    pause_cpu();
  } while (__builtin_ia32_rdtsc() < until);
  return 0;
}

/* The generation current when the workers were started: a job posted before a worker first
 * looks is still seen as new. */
static unsigned long spawn_generation;

static void *worker_main(void *arg) {
  int thread = (int)(intptr_t)arg;
  unsigned long seen = spawn_generation;
  for (;;) {
    if (!spin_for_job(seen)) {
      /*
       * Sleep. `sleepers` is raised before `generation` is checked again, and parallel_for
       * raises `generation` before it reads `sleepers` (both sequentially consistent): one of
       * the two sees the other, so a job is never missed. Under the mutex the check and the
       * wait are one step for parallel_for's broadcast, which it sends holding the mutex.
       */
      pthread_mutex_lock(&pool.mu);
      atomic_fetch_add(&pool.sleepers, 1);
      while (atomic_load(&pool.generation) == seen && !atomic_load(&pool.stop)) pthread_cond_wait(&pool.start_cv, &pool.mu);
      atomic_fetch_sub(&pool.sleepers, 1);
      pthread_mutex_unlock(&pool.mu);
    }
    if (atomic_load(&pool.stop)) break;
    seen = atomic_load(&pool.generation);
    run_tasks(thread);
    if (atomic_fetch_sub(&pool.busy, 1) == 1 && atomic_load(&pool.caller_sleeping)) {
      pthread_mutex_lock(&pool.mu);
      pthread_cond_signal(&pool.done_cv);
      pthread_mutex_unlock(&pool.mu);
    }
  }
  return NULL;
}

int pool_set_threads(int threads) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (threads == pool.threads) return threads;
  pthread_mutex_lock(&pool.mu);
  atomic_store(&pool.stop, 1);
  pthread_cond_broadcast(&pool.start_cv);
  pthread_mutex_unlock(&pool.mu);
  for (int i = 1; i < pool.threads; i++) pthread_join(pool.ids[i], NULL);
  atomic_store(&pool.stop, 0);
  spawn_generation = atomic_load(&pool.generation);
  int started = 1;
  for (int i = 1; i < threads; i++) {
    if (pthread_create(&pool.ids[i], NULL, worker_main, (void *)(intptr_t)i) != 0) break;
    started++;
  }
  pool.threads = started;
  return started;
}

int pool_threads(void) { return pool.threads; }

void parallel_for(int tasks, task_fn fn, const void *ctx) {
  if (tasks <= 0) return;
  pool.fn = fn;
  pool.ctx = ctx;
  pool.tasks = tasks;
  atomic_store(&pool.next, 0);
  int helpers = pool.threads - 1;
  if (helpers > tasks - 1) helpers = tasks - 1;
  if (helpers > 0) {
    atomic_store(&pool.busy, pool.threads - 1);
    atomic_fetch_add(&pool.generation, 1); /* publishes fn, ctx, tasks and next to the workers */
    if (atomic_load(&pool.sleepers) > 0) {
      pthread_mutex_lock(&pool.mu);
      pthread_cond_broadcast(&pool.start_cv);
      pthread_mutex_unlock(&pool.mu);
    }
  }
  run_tasks(0);
  if (helpers > 0) {
    const unsigned long long until = __builtin_ia32_rdtsc() + SPIN_CYCLES;
    while (atomic_load(&pool.busy) > 0 && __builtin_ia32_rdtsc() < until) pause_cpu();
    if (atomic_load(&pool.busy) > 0) {
      /* the same handshake as the workers' sleep, with `busy` and `caller_sleeping` */
      pthread_mutex_lock(&pool.mu);
      atomic_store(&pool.caller_sleeping, 1);
      while (atomic_load(&pool.busy) > 0) pthread_cond_wait(&pool.done_cv, &pool.mu);
      atomic_store(&pool.caller_sleeping, 0);
      pthread_mutex_unlock(&pool.mu);
    }
  }
}

/* Per-thread scratch buffers, grown on demand, 64-byte aligned. */
static float *scratch[MAX_THREADS][3];
static size_t scratch_size[MAX_THREADS][3];
static const float **pointers[MAX_THREADS];
static size_t pointers_size[MAX_THREADS];

float *aligned_floats(size_t count) {
  return aligned_alloc(64, ((count * sizeof(float) + 63) / 64) * 64 + 64);
}

float *scratch_floats(int thread, int which, size_t count) {
  if (scratch_size[thread][which] < count) {
    free(scratch[thread][which]);
    scratch[thread][which] = aligned_floats(count);
    scratch_size[thread][which] = scratch[thread][which] ? count : 0;
  }
  return scratch[thread][which];
}

static float *call_buffer[CALL_BUFFERS];
static size_t call_buffer_size[CALL_BUFFERS];

float *call_floats(int which, size_t count) {
  if (call_buffer_size[which] < count) {
    free(call_buffer[which]);
    call_buffer[which] = aligned_floats(count);
    call_buffer_size[which] = call_buffer[which] ? count : 0;
  }
  return call_buffer[which];
}

const float **scratch_pointers(int thread, size_t count) {
  if (pointers_size[thread] < count) {
    free(pointers[thread]);
    pointers[thread] = malloc(count * sizeof(float *));
    pointers_size[thread] = pointers[thread] ? count : 0;
  }
  return pointers[thread];
}

/* ------------------------------------------------------------------------ */
/* Sums in a fixed order (runtime.h). */

/* Partial buffers of all chunks together at most this many floats (16 MB), but at least 4 chunks. */
#define CHUNK_FLOATS_BUDGET ((size_t)4 << 20)

int sum_chunks(int64_t units, int64_t per_chunk, size_t size) {
  if (units <= 0) return 0;
  if (per_chunk < 1) per_chunk = 1;
  int64_t chunks = (units + per_chunk - 1) / per_chunk;
  if (chunks > MAX_CHUNKS) chunks = MAX_CHUNKS;
  const size_t fit = size > 0 ? CHUNK_FLOATS_BUDGET / size : MAX_CHUNKS;
  if ((size_t)chunks > fit) chunks = fit > 4 ? (int64_t)fit : 4;
  if (chunks > units) chunks = units;
  return (int)chunks;
}

typedef struct {
  task_fn fn;
  const void *job;
  float *const *partial;
  size_t size;
  int clear;
} chunk_run;

static void chunk_task(const void *ctx, int chunk, int thread) {
  const chunk_run *run = ctx;
  if (run->clear) memset(run->partial[chunk], 0, run->size * sizeof(float));
  run->fn(run->job, chunk, thread);
}

#define REDUCE_SPAN 16384 /* floats per task of the final reduction */

typedef struct {
  float *out;
  float *const *partial;
  int chunks;
  size_t size;
} reduce_run;

/* out[i] += partial[1][i], then partial[2][i], ...: the same order for every i, whoever runs it. */
static void reduce_task(const void *ctx, int task, int thread) {
  (void)thread;
  const reduce_run *run = ctx;
  const size_t from = (size_t)task * REDUCE_SPAN;
  const size_t to = from + REDUCE_SPAN < run->size ? from + REDUCE_SPAN : run->size;
  float *restrict out = run->out;
  for (int c = 1; c < run->chunks; c++) {
    const float *restrict p = run->partial[c];
    for (size_t i = from; i < to; i++) out[i] += p[i];
  }
}

int ordered_sum(int chunks, task_fn fn, const void *job, float **partial, float *out, size_t size, int clear) {
  if (chunks < 1) {
    memset(out, 0, size * sizeof(float));
    return 0;
  }
  if (chunks > MAX_CHUNKS) return -1;
  const size_t stride = (size + 15) & ~(size_t)15; /* whole 64-byte lines per chunk */
  float *buffers = NULL;
  if (chunks > 1) {
    buffers = call_floats(CALL_PARTIAL, stride * (size_t)(chunks - 1));
    if (!buffers) return -1;
  }
  partial[0] = out;
  for (int c = 1; c < chunks; c++) partial[c] = buffers + stride * (size_t)(c - 1);
  chunk_run run = {fn, job, partial, size, clear};
  parallel_for(chunks, chunk_task, &run);
  if (chunks > 1) {
    reduce_run reduce = {out, partial, chunks, size};
    parallel_for((int)((size + REDUCE_SPAN - 1) / REDUCE_SPAN), reduce_task, &reduce);
  }
  for (int c = 0; c < chunks; c++) partial[c] = NULL;
  return 0;
}
