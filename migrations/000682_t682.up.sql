CREATE TABLE t682 (id bigint PRIMARY KEY, name text NOT NULL);
