export * as functional from "./int8.js";
