// Compile-only stub of android.system.SystemCleaner (API 33; signature as in
// the SDK reference); the android = true flavour of the bindings uses it.
@file:Suppress("unused")

package android.system

class SystemCleaner private constructor() {
    companion object {
        @JvmStatic fun cleaner(): java.lang.ref.Cleaner = throw UnsupportedOperationException("stub")
    }
}
