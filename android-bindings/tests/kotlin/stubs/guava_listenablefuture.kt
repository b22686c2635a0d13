// Compile-only stub of Guava's ListenableFuture (WorkManager's return type).
package com.google.common.util.concurrent

interface ListenableFuture<V> : java.util.concurrent.Future<V>
