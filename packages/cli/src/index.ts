export { main, buildProgram } from './program.js';
export { ExitCode } from './exit-codes.js';
