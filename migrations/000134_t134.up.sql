CREATE TABLE t134 (id bigint PRIMARY KEY, name text NOT NULL);
