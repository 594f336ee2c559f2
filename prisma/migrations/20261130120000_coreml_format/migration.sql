-- AlterEnum
ALTER TYPE "ModelFormat" ADD VALUE 'coreml';
