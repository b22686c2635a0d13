// Hand-written, shipped with the generated bindings in the app's :agent
// module (docs/android.md, "TLS"). Compiled by scripts/bindings-test.sh
// against Android stubs with the android = true flavour.
package org.healthsync.agent

import android.content.Context

/**
 * Lets the agent check servers with Android's own certificate verifier
 * (rustls-platform-verifier): the device's trust store, and user-installed
 * CAs as the app's `network_security_config` allows. Call [init] once, in
 * `Application.onCreate`, before `Agent.open`; until then (and if it
 * throws) the agent trusts Mozilla's public roots only.
 *
 * Needs the verifier's Kotlin component in the app
 * (`org.rustls:rustls-platform-verifier`, same version as the crate
 * `rustls-platform-verifier-android` in Cargo.lock).
 */
object PlatformTls {
    init {
        // A JNI native method (uniffi's JNA calls never carry a JNIEnv):
        // registers the same library JNA loads.
        System.loadLibrary("android_bindings")
    }

    /** Once per process, before `Agent.open`. Throws `RuntimeException` if the JVM refused. */
    fun init(context: Context) = nativeInit(context.applicationContext)

    @JvmStatic
    private external fun nativeInit(context: Context)
}
