// Compile-only stubs of Android SDK classes (signatures as in the SDK reference).
@file:Suppress("unused", "UNUSED_PARAMETER")

package android.app

import android.content.Context
import java.io.File

open class Application : Context() {
    override val applicationContext: Context get() = throw UnsupportedOperationException("stub")
    override val filesDir: File get() = throw UnsupportedOperationException("stub")
    override val noBackupFilesDir: File get() = throw UnsupportedOperationException("stub")
    override val cacheDir: File get() = throw UnsupportedOperationException("stub")
    open fun onCreate() {}
}

/** android.app.Notification (built by the app; only passed around here). */
class Notification
