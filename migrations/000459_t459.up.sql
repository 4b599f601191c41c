CREATE TABLE t459 (id bigint PRIMARY KEY, name text NOT NULL);
