CREATE TABLE t827 (id bigint PRIMARY KEY, name text NOT NULL);
