// Types for electron-vite's import suffixes (`../utility/library-process?modulePath` bundles a second entry and
// gives its path, for utilityProcess.fork).
/// <reference types="electron-vite/node" />
