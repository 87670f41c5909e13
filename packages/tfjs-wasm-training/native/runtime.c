/* The thread pool and per-thread scratch memory of the native kernels. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

/* ------------------------------------------------------------------------ */
/* Thread pool: the calling thread works too; tasks are taken from a counter. */

static struct {
  int threads; /* workers + the caller */
  pthread_t ids[MAX_THREADS];
  pthread_mutex_t mu;
  pthread_cond_t start_cv;
  pthread_cond_t done_cv;
  unsigned long generation;
  int busy;
  int stop;
  task_fn fn;
  const void *ctx;
  int tasks;
  atomic_int next;
} pool = {1, {0}, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, NULL, NULL, 0, 0};

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

/* The generation current when the workers were started: a job posted before a worker first
 * takes the lock is still seen as new. */
static unsigned long spawn_generation;

static void *worker_main(void *arg) {
  int thread = (int)(intptr_t)arg;
  unsigned long seen = spawn_generation;
  pthread_mutex_lock(&pool.mu);
  for (;;) {
    while (pool.generation == seen && !pool.stop) pthread_cond_wait(&pool.start_cv, &pool.mu);
    if (pool.stop) break;
    seen = pool.generation;
    pthread_mutex_unlock(&pool.mu);
    run_tasks(thread);
    pthread_mutex_lock(&pool.mu);
    if (--pool.busy == 0) pthread_cond_signal(&pool.done_cv);
  }
  pthread_mutex_unlock(&pool.mu);
  return NULL;
}

int pool_set_threads(int threads) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (threads == pool.threads) return threads;
  pthread_mutex_lock(&pool.mu);
  pool.stop = 1;
  pthread_cond_broadcast(&pool.start_cv);
  pthread_mutex_unlock(&pool.mu);
  for (int i = 1; i < pool.threads; i++) pthread_join(pool.ids[i], NULL);
  pool.stop = 0;
  spawn_generation = pool.generation;
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
    pthread_mutex_lock(&pool.mu);
    pool.busy = pool.threads - 1;
    pool.generation++;
    pthread_cond_broadcast(&pool.start_cv);
    pthread_mutex_unlock(&pool.mu);
  }
  run_tasks(0);
  if (helpers > 0) {
    pthread_mutex_lock(&pool.mu);
    while (pool.busy > 0) pthread_cond_wait(&pool.done_cv, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
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

const float **scratch_pointers(int thread, size_t count) {
  if (pointers_size[thread] < count) {
    free(pointers[thread]);
    pointers[thread] = malloc(count * sizeof(float *));
    pointers_size[thread] = pointers[thread] ? count : 0;
  }
  return pointers[thread];
}

int parallel_sum(int tasks, task_fn fn, const void *job, float **partial, float *out, size_t size) {
  const int threads = pool.threads;
  int failed = 0;
  memset(out, 0, size * sizeof(float));
  for (int t = 0; t < threads; t++) {
    partial[t] = t == 0 ? out : calloc(size, sizeof(float));
    if (!partial[t]) failed = 1;
  }
  if (!failed) parallel_for(tasks, fn, job);
  for (int t = 1; t < threads; t++) {
    if (partial[t] && !failed)
      for (size_t i = 0; i < size; i++) out[i] += partial[t][i];
    free(partial[t]);
    partial[t] = NULL;
  }
  return failed ? -1 : 0;
}
