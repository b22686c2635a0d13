// What the blocks of docs/android.md take as given: the app's own classes
// and helpers (not part of the agent), and the Gradle Kotlin DSL surface of
// the build.gradle.kts block. Compile-only.
@file:Suppress("unused", "UNUSED_PARAMETER")

package docs

import android.content.Context
import org.healthsync.agent.DestinationReport

/** The app's notification id and its "syncing" notification (expedited work on API <= 30). */
const val SYNC_NOTIFICATION_ID = 1
fun syncingNotification(context: Context): android.app.Notification = throw UnsupportedOperationException("stub")

/** The app's "Wi-Fi only" setting. */
fun loadWifiOnlySetting(context: Context): Boolean = false

/** The app's own notification for a held destination. */
fun notifyHeld(context: Context, destination: DestinationReport) {}

/** The app's own dialog after the outbox was recovered at open. */
fun showDatabaseRecoveredDialog(movedAside: String) {}

/** Gradle Kotlin DSL, the part the build.gradle.kts block uses. */
class GradleScript {
    class Plugins {
        fun id(id: String) {}
        fun kotlin(module: String) {}
    }
    class DefaultConfig {
        var minSdk: Int? = null
        fun consumerProguardFiles(vararg files: Any) {}
    }
    class Android {
        var namespace: String? = null
        fun defaultConfig(action: DefaultConfig.() -> Unit) {}
    }
    class Dependencies {
        fun api(dependencyNotation: Any) {}
        fun implementation(dependencyNotation: Any) {}
    }
    fun plugins(block: Plugins.() -> Unit) {}
    fun android(configure: Android.() -> Unit) {}
    fun dependencies(configuration: Dependencies.() -> Unit) {}
}
