CREATE TABLE t779 (id bigint PRIMARY KEY, name text NOT NULL);
