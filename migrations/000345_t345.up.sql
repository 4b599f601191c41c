CREATE TABLE t345 (id bigint PRIMARY KEY, name text NOT NULL);
