CREATE TABLE t590 (id bigint PRIMARY KEY, name text NOT NULL);
