CREATE TABLE t639 (id bigint PRIMARY KEY, name text NOT NULL);
