CREATE TABLE t879 (id bigint PRIMARY KEY, name text NOT NULL);
