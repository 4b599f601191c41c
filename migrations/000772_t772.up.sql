CREATE TABLE t772 (id bigint PRIMARY KEY, name text NOT NULL);
