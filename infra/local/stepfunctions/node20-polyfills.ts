/**
 * `aws-local-stepfunctions` calls `Promise.withResolvers` (Node 22+). This machine runs Node 20, so the runtime
 * supplies it before the interpreter is used.
 */
interface PromiseWithResolversPolyfill {
  withResolvers?: <T>() => {
    promise: Promise<T>;
    resolve: (value: T) => void;
    reject: (reason?: unknown) => void;
  };
}

const promiseConstructor = Promise as unknown as PromiseWithResolversPolyfill;
if (typeof promiseConstructor.withResolvers !== 'function') {
  promiseConstructor.withResolvers = <T>() => {
    let resolve!: (value: T) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
