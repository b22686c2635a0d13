// Compile-only stubs of Android SDK classes (signatures as in the SDK reference).
@file:Suppress("unused", "UNUSED_PARAMETER")

package android.content

import java.io.File

abstract class Context {
    abstract val applicationContext: Context   // getApplicationContext()
    abstract val filesDir: File                // getFilesDir()
    abstract val noBackupFilesDir: File        // getNoBackupFilesDir(), API 21
    abstract val cacheDir: File                // getCacheDir()
    // public final @Nullable <T> T getSystemService(@NonNull Class<T>), API 23
    fun <T> getSystemService(serviceClass: Class<T>): T? = throw UnsupportedOperationException("stub")
}
