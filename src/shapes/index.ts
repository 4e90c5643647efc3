/** The object shapes: the objects of a release and what they are made of. */
export { OBJECTS, type ObjectShape } from './objects';
export { evaluate, goTruthy, holds } from './evaluate';
export { renderScope, type RenderScope } from './scope';
