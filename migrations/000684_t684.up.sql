CREATE TABLE t684 (id bigint PRIMARY KEY, name text NOT NULL);
