export * as functional from "./int8.js";
export * as nn from "./linear8bitlt.js";
