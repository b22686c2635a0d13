// Compile-only stubs of AndroidX WorkManager 2.10 (androidx.work; signatures
// as in its reference: Java classes seen from Kotlin, Kotlin ones as declared).
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.work

import android.content.Context
import com.google.common.util.concurrent.ListenableFuture
import java.util.concurrent.TimeUnit

private fun stub(): Nothing = throw UnsupportedOperationException("stub")

class WorkerParameters private constructor()

class Data private constructor()

fun workDataOf(vararg pairs: Pair<String, Any?>): Data = stub()

class ForegroundInfo(notificationId: Int, notification: android.app.Notification)

interface Operation

abstract class ListenableWorker(appContext: Context, workerParams: WorkerParameters) {
    val applicationContext: Context get() = stub()          // final getApplicationContext()
    val isStopped: Boolean get() = stub()                   // final isStopped()
    val runAttemptCount: Int get() = stub()                 // final getRunAttemptCount()
    val tags: Set<String> get() = stub()                    // final getTags()
    open fun onStopped() {}                                 // open: a Worker may override it
    fun setProgressAsync(data: Data): ListenableFuture<Void> = stub()
    abstract fun startWork(): ListenableFuture<Result>

    abstract class Result internal constructor() {
        companion object {
            @JvmStatic fun success(): Result = stub()
            @JvmStatic fun success(outputData: Data): Result = stub()
            @JvmStatic fun retry(): Result = stub()
            @JvmStatic fun failure(): Result = stub()
        }
    }
}

abstract class Worker(context: Context, workerParams: WorkerParameters) : ListenableWorker(context, workerParams) {
    abstract fun doWork(): Result
    open fun getForegroundInfo(): ForegroundInfo = stub()
    final override fun startWork(): ListenableFuture<Result> = stub()
}

enum class NetworkType { NOT_REQUIRED, CONNECTED, UNMETERED, NOT_ROAMING, METERED, TEMPORARILY_UNMETERED }

enum class OutOfQuotaPolicy { RUN_AS_NON_EXPEDITED_WORK_REQUEST, DROP_WORK_REQUEST }

enum class ExistingWorkPolicy { REPLACE, KEEP, APPEND, APPEND_OR_REPLACE }

enum class ExistingPeriodicWorkPolicy { REPLACE, KEEP, UPDATE, CANCEL_AND_REENQUEUE }

class Constraints(
    val requiredNetworkType: NetworkType = NetworkType.NOT_REQUIRED,
    val requiresCharging: Boolean = false,
    val requiresDeviceIdle: Boolean = false,
    val requiresBatteryNotLow: Boolean = false,
    val requiresStorageNotLow: Boolean = false,
)

abstract class WorkRequest internal constructor() {
    abstract class Builder<B : Builder<B, *>, W : WorkRequest> internal constructor() {
        fun setConstraints(constraints: Constraints): B = stub()
        open fun setInitialDelay(duration: Long, timeUnit: TimeUnit): B = stub()
        open fun setExpedited(policy: OutOfQuotaPolicy): B = stub()
        fun addTag(tag: String): B = stub()
        fun build(): W = stub()
    }
}

class OneTimeWorkRequest private constructor() : WorkRequest() {
    class Builder(workerClass: Class<out ListenableWorker>) : WorkRequest.Builder<Builder, OneTimeWorkRequest>()
}

class PeriodicWorkRequest private constructor() : WorkRequest() {
    class Builder(workerClass: Class<out ListenableWorker>, repeatInterval: Long, repeatIntervalTimeUnit: TimeUnit) :
        WorkRequest.Builder<Builder, PeriodicWorkRequest>()
}

inline fun <reified W : ListenableWorker> OneTimeWorkRequestBuilder(): OneTimeWorkRequest.Builder =
    OneTimeWorkRequest.Builder(W::class.java)

inline fun <reified W : ListenableWorker> PeriodicWorkRequestBuilder(
    repeatInterval: Long,
    repeatIntervalTimeUnit: TimeUnit,
): PeriodicWorkRequest.Builder = PeriodicWorkRequest.Builder(W::class.java, repeatInterval, repeatIntervalTimeUnit)

abstract class WorkManager internal constructor() {
    abstract fun enqueueUniqueWork(
        uniqueWorkName: String,
        existingWorkPolicy: ExistingWorkPolicy,
        request: OneTimeWorkRequest,
    ): Operation

    abstract fun enqueueUniquePeriodicWork(
        uniqueWorkName: String,
        existingPeriodicWorkPolicy: ExistingPeriodicWorkPolicy,
        request: PeriodicWorkRequest,
    ): Operation

    abstract fun cancelUniqueWork(uniqueWorkName: String): Operation

    companion object {
        @JvmStatic fun getInstance(context: Context): WorkManager = stub()
    }
}
